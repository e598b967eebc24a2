// Package redisdb provides the db.redis entry of the registry: a Redis (or
// Valkey) client for one standalone server, a Sentinel-managed master, or a
// Redis Cluster. Other entries, such as store.redis, reach it through the
// DB interface.
//
// # Basics
//
// Start builds the go-redis client for the mode and pings the server; Stop
// closes it. Dependents get the client with env.Dep(id).(redisdb.DB).
//
// The mode is inferred where that is unambiguous: master_name means
// sentinel, addrs (a list of seeds) means cluster, addr or url means
// standalone. An explicit mode must agree with the fields given.
//
// # Caveats
//
// The client re-sends a command after a dropped connection or a LOADING,
// READONLY or CLUSTERDOWN reply up to max_retries times (go-redis's rule),
// unless the command is marked NoRetry; stores mark the commands that must
// not run twice (see redisstore).
//
// Passwords never appear in errors or logs: every error this package
// returns has the password and URL credentials replaced by "xxxxx".
package redisdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/secret"
	"github.com/luahost/luahost/registry"
)

// Kind is the registry kind name of Redis connections.
const Kind = "db.redis"

// Mode is how a client reaches its data.
type Mode string

// Modes.
const (
	// Standalone is one server (or a proxy in front of several).
	Standalone Mode = "standalone"
	// Sentinel is a master found through Redis Sentinel, followed across
	// failovers.
	Sentinel Mode = "sentinel"
	// Cluster is a Redis Cluster; keys are routed by hash slot.
	Cluster Mode = "cluster"
)

// DB is what a db.redis entry gives its dependents.
type DB interface {
	// Client returns the client; nil before Start and after Stop.
	Client() redis.UniversalClient
	// Mode returns how the client reaches its data.
	Mode() Mode
}

// Pool tunes the connection pool (per node in cluster mode). Zero values
// mean go-redis's defaults.
type Pool struct {
	// Size caps open connections (0: 10 per CPU).
	Size int
	// MinIdle keeps this many idle connections open.
	MinIdle int
	// MaxIdle caps idle connections (0: unlimited).
	MaxIdle int
	// MaxLifetime closes connections older than this (0: never).
	MaxLifetime time.Duration
	// IdleTimeout closes connections idle this long (0: 30m).
	IdleTimeout time.Duration
	// Timeout is how long a call waits for a free connection (0: read
	// timeout + 1s).
	Timeout time.Duration
}

// Config is a db.redis entry's configuration.
type Config struct {
	// Addr is one "host:port" (standalone, or one sentinel or cluster seed).
	Addr string
	// Addrs are cluster seeds or sentinels.
	Addrs []string
	// URL is a redis:// or rediss:// URL (standalone); it excludes Addr,
	// Addrs, Username, Password, DB and TLS. A rediss:// URL takes
	// TLSOptions.
	URL string
	// Mode is "" (inferred), or one of the modes.
	Mode Mode
	// MasterName is the Sentinel master name (sentinel mode).
	MasterName string
	Username   string
	Password   string
	// DB is the database index (standalone and sentinel; cluster has only 0).
	DB int
	// TLS connects with TLS, verifying the server against the system roots
	// or TLSOptions.CAFile.
	TLS bool
	// TLSOptions tune TLS (the tls: {...} form); they need TLS or a
	// rediss:// URL.
	TLSOptions TLSOptions
	// DialTimeout, ReadTimeout and WriteTimeout: zero means go-redis's
	// defaults (5s, 3s, 3s).
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
	// MaxRetries is how often a failed command that may be repeated is
	// sent again (0: 3; -1: never).
	MaxRetries int
	Pool       Pool
}

// TLSOptions are a TLS connection's certificates and checks. Files are PEM
// paths; the zero value verifies the server against the system roots under
// the name it is dialled by.
type TLSOptions struct {
	// CAFile holds the certificates that may sign the server's certificate,
	// replacing the system roots.
	CAFile string
	// CertFile and KeyFile are the client's certificate and key, for
	// servers that require one (Redis's tls-auth-clients); both or neither.
	CertFile, KeyFile string
	// ServerName is the name the server's certificate must carry, when it
	// differs from the host dialled (also sent as SNI).
	ServerName string
	// InsecureSkipVerify accepts any server certificate; for tests only,
	// it gives up protection against a man in the middle.
	InsecureSkipVerify bool
}

func (o TLSOptions) set() bool { return o != TLSOptions{} }

// config builds the tls.Config for o, reading its files. serverName is
// used when o names none.
func (o TLSOptions) config(serverName string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName, InsecureSkipVerify: o.InsecureSkipVerify}
	if o.ServerName != "" {
		tc.ServerName = o.ServerName
	}
	if o.CAFile != "" {
		pemData, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("tls.ca_file: %s holds no PEM certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file/key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// urlConfig is config for a rediss:// URL, keeping the host name and
// skip_verify go-redis took from it.
func (o TLSOptions) urlConfig(fromURL *tls.Config) (*tls.Config, error) {
	tc, err := o.config(fromURL.ServerName)
	if err != nil {
		return nil, err
	}
	tc.InsecureSkipVerify = tc.InsecureSkipVerify || fromURL.InsecureSkipVerify
	return tc, nil
}

// ResolvedMode returns the configured mode, or the mode the fields imply.
func (c Config) ResolvedMode() Mode {
	switch {
	case c.Mode != "":
		return c.Mode
	case c.MasterName != "":
		return Sentinel
	case len(c.Addrs) > 0:
		return Cluster
	}
	return Standalone
}

// Problems returns what is wrong with c, by field name
// (registry.Validator).
func (c Config) Problems() []registry.FieldError {
	var ps []registry.FieldError
	add := func(field, format string, args ...any) {
		ps = append(ps, registry.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	nAddr := 0
	for _, set := range []bool{c.Addr != "", len(c.Addrs) > 0, c.URL != ""} {
		if set {
			nAddr++
		}
	}
	switch {
	case nAddr == 0:
		add("addr", "one of addr, addrs or url is required")
		ps[len(ps)-1].Also = []string{"addrs", "url"} // not when one was given but could not be read
	case nAddr > 1:
		add("addr", "addr, addrs and url exclude each other; give one")
	}
	if c.URL != "" {
		if c.Username != "" || c.Password != "" || c.DB != 0 || (c.TLS && !c.TLSOptions.set()) {
			add("url", "url excludes username, password, db and tls; put them in the url")
		}
		if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			add("url", "want a redis:// or rediss:// URL, got %q", RedactURL(c.URL))
		} else if c.TLSOptions.set() && u.Scheme != "rediss" {
			add("tls", "tls options need a rediss:// url, got a redis:// one")
		}
	} else if c.TLSOptions.set() && !c.TLS {
		add("tls", "tls options need tls")
	}
	if (c.TLSOptions.CertFile == "") != (c.TLSOptions.KeyFile == "") {
		add("tls", "cert_file and key_file go together; give both or neither")
	}
	mode := c.ResolvedMode()
	switch mode {
	case Standalone:
		if len(c.Addrs) > 0 {
			add("addrs", "mode standalone takes one addr, not addrs")
		}
		if c.MasterName != "" {
			add("master_name", "master_name is for mode sentinel")
		}
	case Sentinel:
		if c.MasterName == "" {
			add("master_name", "mode sentinel needs master_name")
		}
		if c.URL != "" {
			add("url", "mode sentinel takes addr or addrs (the sentinels), not url")
		}
	case Cluster:
		if c.MasterName != "" {
			add("master_name", "master_name is for mode sentinel")
		}
		if c.DB != 0 {
			add("db", "Redis Cluster has only database 0")
		}
	default:
		add("mode", "unknown mode %q (want standalone, sentinel or cluster)", string(c.Mode))
	}
	if c.DB < 0 {
		add("db", "db %d is negative", c.DB)
	}
	for _, a := range append([]string{c.Addr}, c.Addrs...) {
		if a != "" && !strings.Contains(a, ":") {
			add("addr", "address %q has no port (want host:port)", a)
		}
	}
	if c.MaxRetries < -1 {
		add("max_retries", "max_retries %d: want -1 (never), 0 (default) or more", c.MaxRetries)
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"dial_timeout", c.DialTimeout}, {"read_timeout", c.ReadTimeout}, {"write_timeout", c.WriteTimeout},
		{"pool.max_lifetime", c.Pool.MaxLifetime}, {"pool.idle_timeout", c.Pool.IdleTimeout}, {"pool.timeout", c.Pool.Timeout},
	} {
		if d.d < 0 {
			add(d.name, "%s must not be negative", d.name)
		}
	}
	if c.Pool.Size < 0 || c.Pool.MinIdle < 0 || c.Pool.MaxIdle < 0 {
		add("pool", "pool sizes must not be negative")
	}
	return ps
}

// Component is a db.redis entry: a client built by Start and closed by Stop.
type Component struct {
	cfg    Config
	id     string
	logger *slog.Logger
	scrub  *secret.Scrubber

	mu     sync.Mutex
	client redis.UniversalClient
}

var _ DB = (*Component)(nil)

// New returns a component for cfg. It connects to nothing; Start does. id
// names the entry in errors and logs.
func New(id string, cfg Config, logger *slog.Logger) (*Component, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Component{cfg: cfg, id: id, logger: logger, scrub: scrubberOf(cfg)}
	if err := registry.CheckConfig(id, cfg); err != nil {
		return nil, c.redactErr(err)
	}
	return c, nil
}

// Client returns the client; nil before Start and after Stop.
func (c *Component) Client() redis.UniversalClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.client
}

// Mode returns how the client reaches its data.
func (c *Component) Mode() Mode { return c.cfg.ResolvedMode() }

// Start builds the client and checks that the server answers PING. A
// server that cannot be reached returns an error wrapping
// backends.ErrUnavailable; refused credentials wrap
// backends.ErrPermissionDenied. TLS failures no retry can fix (a server
// certificate that does not verify, a server without TLS, a handshake the
// server rejects, unreadable certificate files) also wrap
// registry.ErrPermanent.
func (c *Component) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != nil {
		return nil
	}
	client, target, err := c.cfg.newClient()
	if err != nil {
		return c.redactErr(backends.Errorf(registry.ErrPermanent, "%s: %w", c.id, err))
	}
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		kind := backends.ErrUnavailable
		if isAuthError(err) {
			kind = backends.ErrPermissionDenied
		}
		if isTLSError(err) {
			return c.redactErr(backends.Errorf(registry.ErrPermanent, "%w", backends.Errorf(backends.ErrUnavailable, "%s: connect to %s (%s): TLS handshake: %w", c.id, target, c.cfg.ResolvedMode(), err)))
		}
		return c.redactErr(backends.Errorf(kind, "%s: connect to %s (%s): %w", c.id, target, c.cfg.ResolvedMode(), err))
	}
	c.client = client
	c.logger.Info("redis client open", "mode", string(c.cfg.ResolvedMode()), "target", c.redact(target))
	return nil
}

// Stop closes the client. It is safe to call more than once.
func (c *Component) Stop(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		return nil
	}
	err := c.client.Close()
	c.client = nil
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		return c.redactErr(fmt.Errorf("%s: close: %w", c.id, err))
	}
	return nil
}

func isAuthError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "WRONGPASS") || strings.Contains(msg, "NOAUTH") || strings.Contains(msg, "NOPERM")
}

// isTLSError reports whether err is a TLS failure that retrying will not
// fix: a server certificate that does not verify, a server that does not
// speak TLS, or a server that rejects the handshake (say, for a missing
// client certificate).
func isTLSError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		op       *net.OpError
	)
	if errors.As(err, &op) && op.Op == "remote error" {
		// crypto/tls reports an alert from the server (certificate
		// required, bad certificate, protocol version) this way.
		return true
	}
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record)
}

// newClient builds the go-redis client for the mode, and a description of
// what it connects to for messages.
func (c Config) newClient() (redis.UniversalClient, string, error) {
	var tlsConfig *tls.Config
	addrs := c.Addrs
	if c.Addr != "" {
		addrs = []string{c.Addr}
	}
	if c.TLS && c.URL == "" {
		// Standalone dials Addr, so its host is the name to verify; in
		// sentinel and cluster mode crypto/tls takes it from each address.
		host := ""
		if c.ResolvedMode() == Standalone {
			host, _, _ = net.SplitHostPort(c.Addr)
		}
		var err error
		if tlsConfig, err = c.TLSOptions.config(host); err != nil {
			return nil, "", err
		}
	}
	target := strings.Join(addrs, ",")
	switch c.ResolvedMode() {
	case Sentinel:
		o := &redis.FailoverOptions{
			MasterName: c.MasterName, SentinelAddrs: addrs, Username: c.Username, Password: c.Password, DB: c.DB,
			TLSConfig: tlsConfig, MaxRetries: c.MaxRetries, DialTimeout: c.DialTimeout, ReadTimeout: c.ReadTimeout,
			WriteTimeout: c.WriteTimeout, PoolSize: c.Pool.Size, MinIdleConns: c.Pool.MinIdle, MaxIdleConns: c.Pool.MaxIdle,
			ConnMaxLifetime: c.Pool.MaxLifetime, ConnMaxIdleTime: c.Pool.IdleTimeout, PoolTimeout: c.Pool.Timeout,
		}
		return redis.NewFailoverClient(o), "master " + c.MasterName + " via " + target, nil
	case Cluster:
		var o *redis.ClusterOptions
		if c.URL != "" {
			var err error
			if o, err = redis.ParseClusterURL(c.URL); err != nil {
				return nil, "", backends.Errorf(backends.ErrInvalid, "parse url: %w", err)
			}
			if o.TLSConfig != nil {
				if o.TLSConfig, err = c.TLSOptions.urlConfig(o.TLSConfig); err != nil {
					return nil, "", err
				}
			}
			target = strings.Join(o.Addrs, ",")
		} else {
			o = &redis.ClusterOptions{Addrs: addrs, Username: c.Username, Password: c.Password, TLSConfig: tlsConfig}
		}
		c.tuneCluster(o)
		return redis.NewClusterClient(o), target, nil
	}
	var o *redis.Options
	if c.URL != "" {
		var err error
		if o, err = redis.ParseURL(c.URL); err != nil {
			return nil, "", backends.Errorf(backends.ErrInvalid, "parse url: %w", err)
		}
		if o.TLSConfig != nil {
			if o.TLSConfig, err = c.TLSOptions.urlConfig(o.TLSConfig); err != nil {
				return nil, "", err
			}
		}
		target = o.Addr
	} else {
		o = &redis.Options{Addr: c.Addr, Username: c.Username, Password: c.Password, DB: c.DB, TLSConfig: tlsConfig}
	}
	c.tune(o)
	return redis.NewClient(o), target, nil
}

func (c Config) tune(o *redis.Options) {
	setIf(&o.MaxRetries, c.MaxRetries)
	setIf(&o.DialTimeout, c.DialTimeout)
	setIf(&o.ReadTimeout, c.ReadTimeout)
	setIf(&o.WriteTimeout, c.WriteTimeout)
	setIf(&o.PoolSize, c.Pool.Size)
	setIf(&o.MinIdleConns, c.Pool.MinIdle)
	setIf(&o.MaxIdleConns, c.Pool.MaxIdle)
	setIf(&o.ConnMaxLifetime, c.Pool.MaxLifetime)
	setIf(&o.ConnMaxIdleTime, c.Pool.IdleTimeout)
	setIf(&o.PoolTimeout, c.Pool.Timeout)
}

func (c Config) tuneCluster(o *redis.ClusterOptions) {
	setIf(&o.MaxRetries, c.MaxRetries)
	setIf(&o.DialTimeout, c.DialTimeout)
	setIf(&o.ReadTimeout, c.ReadTimeout)
	setIf(&o.WriteTimeout, c.WriteTimeout)
	setIf(&o.PoolSize, c.Pool.Size)
	setIf(&o.MinIdleConns, c.Pool.MinIdle)
	setIf(&o.MaxIdleConns, c.Pool.MaxIdle)
	setIf(&o.ConnMaxLifetime, c.Pool.MaxLifetime)
	setIf(&o.ConnMaxIdleTime, c.Pool.IdleTimeout)
	setIf(&o.PoolTimeout, c.Pool.Timeout)
}

// setIf overrides a go-redis option only when the entry sets the field, so
// zero keeps the client's own default.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}
