package redisdb

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/registry"
)

// clientLogger sends go-redis's own log lines (dial retries, pool
// events) to slog at debug level instead of stderr: the errors that matter
// reach the caller, and the entry's state, anyway.
type clientLogger struct{}

func (clientLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "redis client", "detail", RedactURL(fmt.Sprintf(format, v...)))
}

func init() {
	redis.SetLogger(clientLogger{})
	registry.RegisterTyped(registry.TypedKind[Config]{
		Name:   Kind,
		Decode: decode,
		New: func(cfg Config, env registry.Env) (registry.Component, error) {
			return New(env.Entry.ID, cfg, env.Logger)
		},
	})
}

func decode(f *registry.Fields) Config {
	pool := f.Sub("pool")
	cfg := Config{
		Addr:         f.String("addr", ""),
		Addrs:        f.Strings("addrs"),
		URL:          f.String("url", ""),
		Mode:         Mode(f.String("mode", "")),
		MasterName:   f.String("master_name", ""),
		Username:     f.String("username", ""),
		Password:     f.Secret("password", ""),
		DB:           int(f.Int("db", 0)),
		DialTimeout:  f.Duration("dial_timeout", 0),
		ReadTimeout:  f.Duration("read_timeout", 0),
		WriteTimeout: f.Duration("write_timeout", 0),
		MaxRetries:   int(f.Int("max_retries", 0)),
		Pool: Pool{
			Size:        int(pool.Size("size", 0)),
			MinIdle:     int(pool.Size("min_idle", 0)),
			MaxIdle:     int(pool.Size("max_idle", 0)),
			MaxLifetime: pool.Duration("max_lifetime", 0),
			IdleTimeout: pool.Duration("idle_timeout", 0),
			Timeout:     pool.Duration("timeout", 0),
		},
	}
	if f.IsMapping("tls") {
		t := f.Sub("tls")
		cfg.TLS = true
		cfg.TLSOptions = TLSOptions{
			CAFile:             t.Path("ca_file", ""),
			CertFile:           t.Path("cert_file", ""),
			KeyFile:            t.Path("key_file", ""),
			ServerName:         t.String("server_name", ""),
			InsecureSkipVerify: t.Bool("insecure_skip_verify", false),
		}
	} else {
		cfg.TLS = f.Bool("tls", false)
	}
	// The password in the url is a secret too; addresses are not.
	f.AddSecret(passwords(cfg)...)
	return cfg
}
