package sqldb

import "github.com/luahost/luahost/registry"

func init() {
	for _, d := range []struct {
		kind    string
		dialect Dialect
		decode  func(*registry.Fields) any
	}{
		{KindSQLite, SQLite, decodeSQLite},
		{KindPostgres, Postgres, decodeServer(Postgres, 5432)},
		{KindMySQL, MySQL, decodeServer(MySQL, 3306)},
	} {
		registry.RegisterKind(registry.Kind{
			Name:   d.kind,
			Decode: d.decode,
			New: func(cfg any, env registry.Env) (registry.Component, error) {
				return New(env.Entry.ID, cfg.(Config), env.Logger)
			},
		})
	}
}

func decodeSQLite(f *registry.Fields) any {
	pool := f.Sub("pool")
	cfg := Config{
		Dialect: SQLite,
		File:    f.Path("file", ""),
		Options: f.StringMap("options"),
		Pool:    Pool{MaxLifetime: pool.Duration("max_lifetime", DefaultMaxLifetime)},
	}
	// Wippy registries set these on SQLite too; as in Wippy, one
	// connection writes whatever they say, so any value loads and any
	// value but 1 gets a warning saying it was forced to 1.
	for _, name := range []string{"max_open", "max_idle"} {
		if n := pool.Size(name, 1); n != 1 {
			pool.Warnf(name, "%d is forced to 1: SQLite runs with one writer connection", n)
		}
	}
	if cfg.File == "" {
		f.Errorf("file", `file is required: a path, or ":memory:"`)
	}
	for name, value := range cfg.Options {
		if !identRE().MatchString(name) || !pragmaValueRE().MatchString(value) {
			f.Errorf("options", "option %q: want a pragma name and a plain value (letters, digits, _ . + -)", name)
		}
	}
	return cfg
}

func decodeServer(d Dialect, defPort int64) func(*registry.Fields) any {
	return func(f *registry.Fields) any {
		pool := f.Sub("pool")
		cfg := Config{
			Dialect:  d,
			DSN:      f.String("dsn", ""),
			Host:     f.String("host", ""),
			Port:     int(f.Int("port", defPort)),
			Database: f.String("database", ""),
			Username: f.String("username", ""),
			Password: f.String("password", ""),
			Options:  f.StringMap("options"),
			Pool: Pool{
				MaxOpen:     int(pool.Size("max_open", 0)),
				MaxIdle:     int(pool.Size("max_idle", 2)),
				MaxLifetime: pool.Duration("max_lifetime", DefaultMaxLifetime),
			},
		}
		switch {
		case cfg.DSN != "" && (f.Has("host") || f.Has("port") || f.Has("database") || f.Has("username") || f.Has("password") || f.Has("options")):
			f.Errorf("dsn", "dsn excludes host, port, database, username, password and options; put them in the dsn")
		case cfg.DSN == "" && cfg.Host == "":
			f.Errorf("host", "either dsn or host is required")
		}
		if cfg.DSN != "" {
			cfg.Port = 0
		}
		if cfg.Port < 0 || cfg.Port > 65535 {
			f.Errorf("port", "port %d is out of range 1-65535", cfg.Port)
		}
		return cfg
	}
}
