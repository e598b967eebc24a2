// Package sqldb provides the SQL database entries of the registry:
// db.sql.sqlite, db.sql.postgres and db.sql.mysql (which also serves
// MariaDB). Each entry is a connection pool that other entries, such as
// store.sql, reach through the DB interface.
//
// # Basics
//
// Start opens the pool and pings the server; Stop closes it. Dependents get
// the pool with env.Dep(id).(sqldb.DB).
//
// # Caveats
//
// SQLite file databases run in WAL mode with one writer connection (so
// writers queue in Go instead of failing with "database is locked") and a
// separate pool of read-only connections. A ":memory:" database uses one
// connection for everything, kept open for the life of the entry. A
// binary built without cgo has no SQLite (see ErrSQLiteUnavailable).
//
// Passwords never appear in errors or logs: every error this package
// returns has the password and any DSN credentials replaced by "xxxxx".
package sqldb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/secret"
	"github.com/luahost/luahost/registry"
)

// Kind names.
const (
	KindSQLite   = "db.sql.sqlite"
	KindPostgres = "db.sql.postgres"
	KindMySQL    = "db.sql.mysql"
)

// ErrSQLiteUnavailable is the problem of every db.sql.sqlite entry in a
// binary built without cgo (CGO_ENABLED=0, the default of cross builds):
// the SQLite driver, mattn/go-sqlite3, is C code. The registry reports it
// at the entry's kind, so `luahost check` shows it; Start returns it too.
var ErrSQLiteUnavailable = errors.New(KindSQLite + " is not available: this luahost was built without cgo (CGO_ENABLED=0), " +
	"and the SQLite driver needs it; build with CGO_ENABLED=1 and a C compiler, or use " + KindPostgres + " or " + KindMySQL)

// SQLiteAvailable reports whether this binary can open SQLite databases:
// false when it was built without cgo (see ErrSQLiteUnavailable).
func SQLiteAvailable() bool { return newSQLiteDriver != nil }

// Dialect is the SQL flavour of a database.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql"
)

// DB is what a database entry gives its dependents.
type DB interface {
	// DB returns the pool for every statement. On SQLite file databases
	// it holds the single writer connection.
	DB() *sqlx.DB
	// ReadDB returns a pool for statements that only read. It may be the
	// same pool as DB.
	ReadDB() *sqlx.DB
	// Dialect returns the database's SQL flavour.
	Dialect() Dialect
}

// Quote returns ident quoted for the dialect. A "schema.table" identifier is
// quoted part by part, and each part must pass CheckIdent: Quote does
// not escape.
func (d Dialect) Quote(ident string) string {
	q := `"`
	if d == MySQL {
		q = "`"
	}
	parts := strings.Split(ident, ".")
	for i, p := range parts {
		parts[i] = q + p + q
	}
	return strings.Join(parts, ".")
}

// Placeholder returns the bind parameter marker for the n-th (1-based)
// argument of a statement.
func (d Dialect) Placeholder(n int) string {
	if d == Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// Pool tunes a connection pool. Zero values mean the defaults.
type Pool struct {
	// MaxOpen caps open connections (0: unlimited). Ignored by SQLite.
	MaxOpen int
	// MaxIdle caps idle connections (0: 2). Ignored by SQLite.
	MaxIdle int
	// MaxLifetime closes connections older than this (0: never).
	// Ignored by SQLite ":memory:" databases, whose data lives in their
	// one connection.
	MaxLifetime time.Duration
}

// DefaultMaxLifetime is the default pool.max_lifetime.
const DefaultMaxLifetime = time.Hour

// Config is a database entry's configuration.
type Config struct {
	Dialect Dialect

	// File is the SQLite database file, or ":memory:".
	File string

	// DSN is a complete PostgreSQL or MySQL data source name. When set,
	// Host, Port, Database, Username, Password and Options must be empty.
	DSN  string
	Host string
	// Port is the server's port; 0 means the dialect's default (5432,
	// 3306).
	Port     int
	Database string
	Username string
	Password string

	// Options are SQLite pragmas (name -> value), or extra connection
	// parameters for PostgreSQL (e.g. sslmode) and MySQL (e.g. tls,
	// sql_mode).
	Options map[string]string

	Pool Pool
}

// Component is a database entry: a pool opened by Start and closed by Stop.
type Component struct {
	cfg    Config
	logger *slog.Logger
	id     string

	mu     sync.Mutex
	db     *sqlx.DB
	readDB *sqlx.DB
	scrub  *secret.Scrubber
}

var _ DB = (*Component)(nil)

// New returns a database component for cfg. It opens nothing; Start does.
// id names the entry in errors and logs.
func New(id string, cfg Config, logger *slog.Logger) (*Component, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Component{cfg: cfg, logger: logger, id: id}
	c.scrub = scrubberOf(cfg)
	if err := registry.CheckConfig(id, cfg); err != nil {
		return nil, c.redactErr(err)
	}
	return c, nil
}

// DB returns the pool for every statement; nil before Start and after Stop.
func (c *Component) DB() *sqlx.DB {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db
}

// ReadDB returns the pool for read-only statements; nil before Start and after Stop.
func (c *Component) ReadDB() *sqlx.DB {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readDB
}

// Dialect returns the database's SQL flavour.
func (c *Component) Dialect() Dialect { return c.cfg.Dialect }

// Start opens the pool and checks that the database answers. A database
// that cannot be reached (connection refused, a timeout, a server that is
// starting up) returns an error wrapping backends.ErrUnavailable, which the
// host retries. An error no retry can fix wraps registry.ErrPermanent: a
// DSN or option the driver cannot parse, refused credentials (PostgreSQL
// SQLSTATE 28P01, 28000; MySQL/MariaDB 1045, 1044), an unknown database
// (PostgreSQL 3D000; MySQL/MariaDB 1049) and a connection setting the
// server refuses (PostgreSQL 42704, 22023, 55P02, 42501; MySQL/MariaDB
// 1193, 1231, 1232).
func (c *Component) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != nil {
		return nil
	}
	var (
		db, readDB *sqlx.DB
		target     string
		err        error
	)
	switch c.cfg.Dialect {
	case SQLite:
		db, readDB, target, err = openSQLite(c.cfg)
	case Postgres:
		db, target, err = openPostgres(c.cfg)
	case MySQL:
		db, target, err = openMySQL(c.cfg, c.logger)
	}
	if err != nil {
		// The configuration itself is wrong: no retry can fix it.
		return c.redactErr(backends.Errorf(registry.ErrPermanent, "%s: open %s: %w", c.id, c.cfg.Dialect, err))
	}
	if readDB == nil {
		readDB = db
	}
	for _, p := range uniq(db, readDB) {
		if err := p.PingContext(ctx); err != nil {
			closeAll(db, readDB)
			class := backends.ErrUnavailable
			if permanent(err) {
				class = registry.ErrPermanent
			}
			return c.redactErr(backends.Errorf(class, "%s: connect to %s: %w", c.id, target, readableConnectErr(c.cfg.Dialect, target, err)))
		}
	}
	c.db, c.readDB = db, readDB
	c.logger.Info("database open", "dialect", string(c.cfg.Dialect), "target", c.redact(target))
	return nil
}

// Stop closes the pool. It is safe to call more than once.
func (c *Component) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil {
		return nil
	}
	err := closeAll(c.db, c.readDB)
	c.db, c.readDB = nil, nil
	if err != nil {
		return c.redactErr(fmt.Errorf("%s: close: %w", c.id, err))
	}
	return nil
}

func uniq(a, b *sqlx.DB) []*sqlx.DB {
	if a == b {
		return []*sqlx.DB{a}
	}
	return []*sqlx.DB{a, b}
}

// closeAll closes the read pool, then the write pool. On a SQLite file
// the last connection to close checkpoints the WAL into the database file
// and removes the -wal and -shm files; a read-only connection cannot, so
// the writer must close last.
func closeAll(db, readDB *sqlx.DB) error {
	var errs []error
	for _, p := range uniq(readDB, db) {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// Server errors that no retry can fix: refused credentials, unknown
// databases, and connection settings the server refuses. Errors a server
// gives when busy or starting (PostgreSQL 53300 too_many_connections,
// 57P03 cannot_connect_now; MySQL 1040 too many connections) stay
// retried.
var (
	permanentSQLState = map[string]bool{
		"28P01": true, // invalid_password
		"28000": true, // invalid_authorization_specification (unknown role, pg_hba reject)
		"3D000": true, // invalid_catalog_name: the database does not exist
		"42704": true, // undefined_object: unrecognized configuration parameter
		"22023": true, // invalid_parameter_value: a setting's value is refused
		"55P02": true, // cant_change_runtime_param: a setting only the server's configuration sets
		"42501": true, // insufficient_privilege: a setting the role may not change
	}
	permanentMySQL = map[uint16]bool{
		1044: true, // ER_DBACCESS_DENIED_ERROR
		1045: true, // ER_ACCESS_DENIED_ERROR
		1049: true, // ER_BAD_DB_ERROR: unknown database
		1193: true, // ER_UNKNOWN_SYSTEM_VARIABLE: a DSN parameter taken as a session variable
		1231: true, // ER_WRONG_VALUE_FOR_VAR
		1232: true, // ER_WRONG_TYPE_FOR_VAR
	}
)

// connectError is a connect error with the driver's text made readable;
// errors.Is and errors.As see the driver's error.
type connectError struct {
	msg string
	err error
}

func (e *connectError) Error() string { return e.msg }
func (e *connectError) Unwrap() error { return e.err }

// readableConnectErr returns err with the lines pgx repeats once per
// attempt (a plain connection after a TLS one, with sslmode prefer)
// given once, and, when a PostgreSQL client could not read the server's
// answer, the likely cause: another service listens at the address.
// target is "host:port/database as user".
func readableConnectErr(d Dialect, target string, err error) error {
	text := err.Error()
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if !slices.Contains(lines, line) {
			lines = append(lines, line)
		}
	}
	if len(lines) == 2 {
		// One address attempt left: no list needed.
		lines = []string{lines[0] + " " + strings.TrimSpace(lines[1])}
	}
	msg := strings.Join(lines, "\n")
	if d == Postgres && strings.Contains(msg, "received unexpected message") {
		addr, _, _ := strings.Cut(target, "/")
		msg = strings.ReplaceAll(msg, "received unexpected message: %!w(<nil>)", "received unexpected message")
		msg += fmt.Sprintf("; %s is likely not a PostgreSQL server (another service, such as MySQL, may be listening on that port)", addr)
	}
	if msg == text {
		return err
	}
	return &connectError{msg: msg, err: err}
}

// permanent reports whether a connect error is one no retry can fix.
func permanent(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return permanentSQLState[pgErr.Code]
	}
	var myErr *mysql.MySQLError
	if errors.As(err, &myErr) {
		return permanentMySQL[myErr.Number]
	}
	return false
}
