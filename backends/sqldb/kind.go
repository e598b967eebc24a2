package sqldb

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/luahost/luahost/registry"
)

func init() {
	for _, d := range []struct {
		kind   string
		decode func(*registry.Fields) Config
	}{
		{KindSQLite, decodeSQLite},
		{KindPostgres, decodeServer(Postgres)},
		{KindMySQL, decodeServer(MySQL)},
	} {
		registry.RegisterTyped(registry.TypedKind[Config]{
			Name:   d.kind,
			Decode: d.decode,
			New: func(cfg Config, env registry.Env) (registry.Component, error) {
				return New(env.Entry.ID, cfg, env.Logger)
			},
		})
	}
}

func decodeSQLite(f *registry.Fields) Config {
	pool := f.Sub("pool")
	cfg := Config{
		Dialect: SQLite,
		File:    sqliteFile(f),
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
	return cfg
}

func decodeServer(d Dialect) func(*registry.Fields) Config {
	return func(f *registry.Fields) Config {
		pool := f.Sub("pool")
		cfg := Config{
			Dialect:  d,
			DSN:      f.String("dsn", ""),
			Host:     f.String("host", ""),
			Port:     int(f.Int("port", 0)),
			Database: f.String("database", ""),
			Username: f.String("username", ""),
			Password: f.Secret("password", ""),
			Options:  f.StringMap("options"),
			Pool: Pool{
				MaxOpen:     int(pool.Size("max_open", 0)),
				MaxIdle:     int(pool.Size("max_idle", 2)),
				MaxLifetime: pool.DurationAtLeast("max_lifetime", DefaultMaxLifetime, registry.MinPoolLifetime, true),
			},
		}
		// The password in the dsn, and option values such as
		// sslpassword, are secrets too; hosts, ports and names are not.
		f.AddSecret(passwords(cfg)...)
		return cfg
	}
}

// Problems returns what is wrong with c, by field name, in the words the
// registry shows at the field (registry.Validator). For PostgreSQL and
// MySQL it includes what the driver's own parser refuses in the DSN or
// options, so that `luahost check` reports what Start would.
func (c Config) Problems() []registry.FieldError {
	var ps []registry.FieldError
	add := func(field, format string, args ...any) {
		ps = append(ps, registry.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	// also makes the last problem follow from the fields given too.
	also := func(fields ...string) { ps[len(ps)-1].Also = fields }
	switch c.Dialect {
	case SQLite:
		if !SQLiteAvailable() {
			// At the kind, where a fix (another kind, another build) goes.
			add("kind", "%s", ErrSQLiteUnavailable)
		}
		if c.File == "" {
			add("file", `file is required: a path, or ":memory:"`)
		} else if msg := sqlitePathProblem(c.File); msg != "" {
			add("file", "%s", msg)
		}
		for _, name := range slices.Sorted(maps.Keys(c.Options)) {
			switch {
			case !identRE().MatchString(name):
				add("options", "option %q: not a valid pragma name (letters, digits and _)", name)
			case !slices.Contains(sqlitePragmas, strings.ToLower(name)):
				// SQLite ignores a pragma it does not know: a misspelt
				// one would silently do nothing.
				add("options."+name, "unknown SQLite pragma %q%s", name, didYouMean(strings.ToLower(name), sqlitePragmas))
			case !pragmaValueRE().MatchString(c.Options[name]):
				add("options", "option %q: not a plain pragma value (letters, digits, _ . + -)", name)
			}
		}
	case Postgres, MySQL:
		switch {
		case c.DSN != "" && (c.Host != "" || c.Port != 0 || c.Database != "" || c.Username != "" || c.Password != "" || len(c.Options) > 0):
			add("dsn", "dsn excludes host, port, database, username, password and options; put them in the dsn")
		case c.DSN == "" && c.Host == "":
			// Not when the dsn was given but could not be read (an unset
			// variable): that is the problem to fix.
			add("host", "either dsn or host is required")
			also("dsn")
		}
		if c.Port < 0 || c.Port > 65535 {
			add("port", "port %d is out of range 1-65535", c.Port)
		} else if c.DSN != "" || c.Host != "" {
			if err := parseConfig(c); err != nil {
				field := "dsn"
				if c.DSN == "" {
					field = "options"
				}
				msg := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "parse dsn: "), "options: ")
				// pgx echoes the connection string (its password masked,
				// so no longer equal to a value from the environment):
				// the registry file already shows it.
				msg = pgxEcho().ReplaceAllString(msg, "")
				add(field, "the %s driver cannot parse it: %s", c.Dialect, scrubberOf(c).Scrub(msg))
			} else {
				ps = append(ps, c.paramProblems()...)
			}
		}
		if c.DSN == "" && c.Host != "" {
			if msg := hostProblem(c.Host); msg != "" {
				add("host", "%s", msg)
			}
		}
	default:
		add("dialect", "unknown dialect %q", c.Dialect)
	}
	for _, n := range []struct {
		field string
		v     int64
	}{{"pool.max_open", int64(c.Pool.MaxOpen)}, {"pool.max_idle", int64(c.Pool.MaxIdle)}, {"pool.max_lifetime", int64(c.Pool.MaxLifetime)}} {
		if n.v < 0 {
			add(n.field, "must not be negative")
		}
	}
	return ps
}

var pgxEcho = lazyRE("cannot parse `[^`]*`: ")

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

// sqliteFile returns the file field resolved against the registry file's
// folder, except a "file:" URI, kept as written so that Problems refuses
// it (joined to a folder it would no longer start with "file:", and SQLite
// would create a file of that literal name).
func sqliteFile(f *registry.Fields) string {
	file := f.String("file", "")
	if file == "" || file == ":memory:" || strings.HasPrefix(file, "file:") || filepath.IsAbs(file) || f.Dir() == "" {
		return file
	}
	return filepath.Join(f.Dir(), file)
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

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// name, or "".
func didYouMean(name string, candidates []string) string {
	if s := registry.Suggest(name, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// sqlitePragmas are the pragmas that set a connection's or database's
// behaviour, which options may give (https://sqlite.org/pragma.html).
// Pragmas that only report (table_info) or act (optimize) are not among
// them.
var sqlitePragmas = []string{
	"analysis_limit", "application_id", "auto_vacuum", "automatic_index",
	"busy_timeout", "cache_size", "cache_spill", "case_sensitive_like",
	"cell_size_check", "checkpoint_fullfsync", "defer_foreign_keys",
	"encoding", "foreign_keys", "fullfsync", "hard_heap_limit",
	"ignore_check_constraints", "journal_mode", "journal_size_limit",
	"legacy_alter_table", "locking_mode", "max_page_count", "mmap_size",
	"page_size", "query_only", "read_uncommitted", "recursive_triggers",
	"reverse_unordered_selects", "secure_delete", "soft_heap_limit",
	"synchronous", "temp_store", "threads", "trusted_schema",
	"user_version", "wal_autocheckpoint",
}

// postgresParams are the connection parameters pgx reads itself, and the
// libpq ones it passes on as server settings at connect
// (application_name, client_encoding, options). pgx sends any other key
// to the server as a setting, so a misspelt parameter ("sslmod") makes
// the server refuse every connection.
var postgresParams = []string{
	"application_name", "channel_binding", "client_encoding",
	"connect_timeout", "database", "dbname", "default_query_exec_mode",
	"description_cache_capacity", "host", "krbspn", "krbsrvname",
	"max_protocol_version", "min_protocol_version", "options", "passfile",
	"password", "port", "require_auth", "service", "servicefile",
	"sslcert", "sslcertmode", "sslkey", "sslmode", "sslnegotiation",
	"sslpassword", "sslrootcert", "sslsni", "statement_cache_capacity",
	"target_session_attrs", "user",
}

// mysqlParams are the DSN parameters go-sql-driver/mysql reads itself; it
// sends any other key to the server as a session variable (SET key=value),
// which the server refuses when it has no such variable.
var mysqlParams = []string{
	"allowAllFiles", "allowCleartextPasswords", "allowFallbackToPlaintext",
	"allowNativePasswords", "allowOldPasswords", "charset",
	"checkConnLiveness", "clientFoundRows", "collation", "columnsWithAlias",
	"compress", "connectionAttributes", "interpolateParams", "loc",
	"maxAllowedPacket", "multiStatements", "parseTime", "readTimeout",
	"rejectReadOnly", "serverPubKey", "timeTruncate", "timeout", "tls",
	"writeTimeout",
}

// paramProblems returns the keys of the DSN or options that the driver
// would send to the server as settings (PostgreSQL) or session variables
// (MySQL) but that are one or two typing slips from a parameter the
// driver reads. Other keys (search_path, statement_timeout, sql_mode,
// and for MySQL any key with an underscore, ...) are the server's and pass.
func (c Config) paramProblems() []registry.FieldError {
	var serverKeys, known []string
	switch c.Dialect {
	case Postgres:
		pc, err := postgresConfig(c)
		if err != nil {
			return nil
		}
		serverKeys, known = slices.Sorted(maps.Keys(pc.RuntimeParams)), postgresParams
	case MySQL:
		mc, err := mysqlConfig(c)
		if err != nil {
			return nil
		}
		serverKeys, known = slices.Sorted(maps.Keys(mc.Params)), mysqlParams
	}
	var ps []registry.FieldError
	for _, k := range serverKeys {
		if slices.Contains(known, k) {
			continue
		}
		// The driver's own names are camelCase: a snake_case key
		// (wait_timeout, max_allowed_packet) is a session variable
		// the server judges, however close its spelling.
		if c.Dialect == MySQL && strings.Contains(k, "_") {
			continue
		}
		hint := didYouMean(k, known)
		if hint == "" {
			continue
		}
		field := "dsn"
		if c.DSN == "" {
			field = "options." + k
		}
		ps = append(ps, registry.FieldError{Field: field, Msg: fmt.Sprintf(
			"unknown connection parameter %q%s: the server would get it as a setting and refuse to connect", k, hint)})
	}
	return ps
}

// hostProblem returns why host is not a bare host name or address, or "".
func hostProblem(host string) string {
	if strings.Contains(host, "://") {
		return fmt.Sprintf("%q is a URL: host takes a host name or address; put a URL in dsn instead", host)
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	if h, port, err := net.SplitHostPort(host); err == nil {
		return fmt.Sprintf("%q includes a port: write host: %s and port: %s", host, h, port)
	}
	if strings.ContainsAny(host, "/?@ ") && !strings.HasPrefix(host, "/") {
		return fmt.Sprintf("%q is not a host name or address", host)
	}
	return ""
}
