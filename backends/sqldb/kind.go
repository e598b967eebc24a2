package sqldb

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/luahost/luahost/registry"
)

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
		Pool:    Pool{MaxLifetime: pool.DurationAtLeast("max_lifetime", DefaultMaxLifetime, registry.MinPoolLifetime, true)},
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
	} else if msg := sqlitePathProblem(cfg.File); msg != "" {
		f.Errorf("file", "%s", msg)
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
				MaxLifetime: pool.DurationAtLeast("max_lifetime", DefaultMaxLifetime, registry.MinPoolLifetime, true),
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
			markDSNParts(f, cfg)
		}
		if cfg.Port < 0 || cfg.Port > 65535 {
			f.Errorf("port", "port %d is out of range 1-65535", cfg.Port)
		} else if cfg.DSN != "" || cfg.Host != "" {
			// Parse as Start will, so `luahost check` reports what the
			// driver would refuse.
			if err := parseConfig(cfg); err != nil {
				field := "dsn"
				if cfg.DSN == "" {
					field = "options"
				}
				msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "parse dsn: "), "options: ")
				// pgx echoes the connection string (its password masked,
				// so no longer equal to a value from the environment):
				// the registry file already shows it.
				msg = pgxEcho.ReplaceAllString(msg, "")
				f.Errorf(field, "the %s driver cannot parse it: %s", d, scrubberOf(cfg).Scrub(msg))
			}
		}
		return cfg
	}
}

var pgxEcho = regexp.MustCompile("cannot parse `[^`]*`: ")

// parseConfig parses a server database's connection settings with the
// driver's own parser.
func parseConfig(cfg Config) error {
	var err error
	switch cfg.Dialect {
	case Postgres:
		_, err = postgresConfig(cfg)
	case MySQL:
		_, err = mysqlConfig(cfg)
	}
	return err
}

// sqlitePathProblem returns why file cannot name an SQLite database, or "".
func sqlitePathProblem(file string) string {
	if file == ":memory:" {
		return ""
	}
	if strings.ContainsRune(file, 0) {
		return "path contains a NUL byte"
	}
	if strings.HasPrefix(file, "file:") {
		return `want a plain path, not a "file:" URI (pragmas go in "options")`
	}
	if fi, err := os.Stat(file); err == nil && fi.IsDir() {
		return strconv.Quote(file) + " is a directory"
	}
	return ""
}

// markDSNParts marks the user, database, host and port inside a DSN that
// came from the environment as secret: drivers echo them one by one
// ("failed to connect to `user=... database=...`"), which whole-value
// redaction would miss. Only parts written in the DSN count (not the
// drivers' defaults, such as the OS user name).
func markDSNParts(f *registry.Fields, cfg Config) {
	fromEnv := false
	for _, v := range f.EnvValues() {
		if v != "" && strings.Contains(cfg.DSN, v) {
			fromEnv = true
		}
	}
	if !fromEnv {
		return
	}
	var parts []string
	switch cfg.Dialect {
	case Postgres:
		if pc, err := postgresConfig(cfg); err == nil {
			parts = append(parts, pc.User, pc.Password, pc.Database, pc.Host, strconv.Itoa(int(pc.Port)))
			for _, fb := range pc.Fallbacks {
				parts = append(parts, fb.Host, strconv.Itoa(int(fb.Port)))
			}
		}
	case MySQL:
		if mc, err := mysql.ParseDSN(cfg.DSN); err == nil {
			host, port, _ := net.SplitHostPort(mc.Addr)
			parts = append(parts, mc.User, mc.Passwd, mc.DBName, mc.Addr, host, port)
		}
	}
	for _, p := range parts {
		if p != "" && strings.Contains(cfg.DSN, p) {
			f.AddSecret(p)
		}
	}
}
