package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

var pragmaValueRE = lazyRE(`^[A-Za-z0-9_.+-]+$`)

// lazyRE compiles a pattern on first use, keeping start-up of every
// command free of work only database entries need.
func lazyRE(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// SQLiteBusyTimeout bounds how long, in all, a statement on a SQLite file
// waits for a lock another process holds before it fails with
// SQLITE_BUSY. Inside one host, writers queue on the single writer
// connection instead. Callers wait it out in steps (see
// SQLiteBusyStep), checking their context between them.
const SQLiteBusyTimeout = 5 * time.Second

// SQLiteBusyStep is the SQLite busy timeout of every connection: how long
// one statement waits for a lock inside SQLite, where no context is
// checked (go-sqlite3's interrupt does not end a busy wait), before it
// returns SQLITE_BUSY to a caller that may try again.
const SQLiteBusyStep = 20 * time.Millisecond

// pgCancelGrace is how long a PostgreSQL statement whose context ended
// may take to answer the cancel request before its connection is closed
// (and the statement's outcome is unknown).
const pgCancelGrace = time.Second

// defaultPragmas apply to every SQLite connection unless options override
// them. synchronous=NORMAL is the usual WAL setting: a commit survives a
// crash of the process, the last ones may be lost on power failure.
var defaultPragmas = map[string]string{
	"synchronous":  "NORMAL",
	"foreign_keys": "ON",
}

// sqliteConnector opens connections of the SQLite driver.
type sqliteConnector struct {
	drv driver.Driver
	dsn string
}

func (c *sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c *sqliteConnector) Driver() driver.Driver                        { return c.drv }

func openSQLite(cfg Config) (db, readDB *sqlx.DB, target string, err error) {
	if newSQLiteDriver == nil {
		return nil, nil, "", ErrSQLiteUnavailable
	}
	pragmas := map[string]string{}
	for k, v := range defaultPragmas {
		pragmas[k] = v
	}
	for k, v := range cfg.Options {
		pragmas[strings.ToLower(k)] = v
	}
	names := make([]string, 0, len(pragmas))
	for k := range pragmas {
		names = append(names, k)
	}
	sort.Strings(names)
	setup := make([][2]string, len(names))
	for i, name := range names {
		setup[i] = [2]string{name, pragmas[name]}
	}
	drv := newSQLiteDriver(setup)
	params := "_busy_timeout=" + strconv.Itoa(int(SQLiteBusyStep/time.Millisecond)) + "&_txlock=immediate"

	if cfg.File == ":memory:" {
		// A private in-memory database lives in its one connection: keep
		// exactly one, forever, so every goroutine sees the same data.
		sdb := sql.OpenDB(&sqliteConnector{drv: drv, dsn: "file::memory:?" + params})
		sdb.SetMaxOpenConns(1)
		sdb.SetMaxIdleConns(1)
		sdb.SetConnMaxLifetime(0)
		sdb.SetConnMaxIdleTime(0)
		x := sqlx.NewDb(sdb, "sqlite3")
		return x, x, ":memory:", nil
	}

	path := sqliteURIPath(cfg.File)
	lifetime := cfg.Pool.MaxLifetime
	// One writer connection: SQLite allows one writer at a time, and Go's
	// pool queues writers fairly and under the caller's context, where
	// SQLite's busy handler would fail them with "database is locked".
	wdb := sql.OpenDB(&sqliteConnector{drv: drv, dsn: "file:" + path + "?" + params + "&_journal_mode=WAL"})
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(lifetime)
	// Readers never block the writer in WAL mode, so they get a pool.
	rdb := sql.OpenDB(&sqliteConnector{drv: drv, dsn: "file:" + path + "?" + params + "&mode=ro"})
	// Each connection has its own page cache: bound them.
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	rdb.SetConnMaxLifetime(lifetime)
	return sqlx.NewDb(wdb, "sqlite3"), sqlx.NewDb(rdb, "sqlite3"), cfg.File, nil
}

// sqliteURIPath escapes the characters that end or escape the path part of
// an SQLite URI filename.
func sqliteURIPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// postgresConfig builds and parses the connection configuration, as the
// registry loader (to report a bad DSN at load) and Start do.
func postgresConfig(cfg Config) (*pgx.ConnConfig, error) {
	dsn := cfg.DSN
	if dsn == "" {
		port := cfg.Port
		if port == 0 {
			port = 5432
		}
		u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(cfg.Host, strconv.Itoa(port)), Path: "/" + cfg.Database}
		if cfg.Username != "" {
			if cfg.Password != "" {
				u.User = url.UserPassword(cfg.Username, cfg.Password)
			} else {
				u.User = url.User(cfg.Username)
			}
		}
		q := url.Values{}
		for k, v := range cfg.Options {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	return pc, nil
}

func openPostgres(cfg Config) (*sqlx.DB, string, error) {
	pc, err := postgresConfig(cfg)
	if err != nil {
		return nil, "", err
	}
	target := fmt.Sprintf("%s:%d/%s as %s", pc.Host, pc.Port, pc.Database, pc.User)
	// When a call's context ends, ask the server to cancel the statement
	// (pgx's default only closes the socket, and the server may still
	// apply a write that waited for a lock), and close the connection
	// only if the server has not answered within pgCancelGrace.
	pc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: pgCancelGrace}
	}
	db := sqlx.NewDb(stdlib.OpenDB(*pc), "pgx")
	setPool(db.DB, cfg.Pool)
	return db, target, nil
}

// mysqlConfig builds and parses the connection configuration, as the
// registry loader (to report a bad DSN at load) and Start do.
func mysqlConfig(cfg Config) (*mysql.Config, error) {
	var (
		mc  *mysql.Config
		err error
	)
	if cfg.DSN != "" {
		mc, err = mysql.ParseDSN(cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("parse dsn: %w", err)
		}
	} else {
		port := cfg.Port
		if port == 0 {
			port = 3306
		}
		base := mysql.NewConfig()
		base.User = cfg.Username
		base.Passwd = cfg.Password
		base.Net = "tcp"
		base.Addr = net.JoinHostPort(cfg.Host, strconv.Itoa(port))
		base.DBName = cfg.Database
		base.ParseTime = true
		dsn := base.FormatDSN()
		if len(cfg.Options) > 0 {
			// Re-parse so options the driver knows (tls, timeout, ...)
			// configure it and the rest become session variables.
			q := url.Values{}
			for k, v := range cfg.Options {
				q.Set(k, v)
			}
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			dsn += sep + q.Encode()
		}
		mc, err = mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("options: %w", err)
		}
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if _, ok := mc.Params["sql_mode"]; !ok {
		// Strict mode: over-long or malformed data is an error, never
		// silently truncated.
		mc.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
	}
	return mc, nil
}

func openMySQL(cfg Config, logger *slog.Logger) (*sqlx.DB, string, error) {
	mc, err := mysqlConfig(cfg)
	if err != nil {
		return nil, "", err
	}
	// The driver's own log lines (such as "[mysql] packets.go:68 [warn]
	// unexpected sequence nr") go to the entry's logger, not stderr.
	mc.Logger = mysqlLogger{logger}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, "", err
	}
	target := fmt.Sprintf("%s/%s as %s", mc.Addr, mc.DBName, mc.User)
	db := sqlx.NewDb(sql.OpenDB(conn), "mysql")
	setPool(db.DB, cfg.Pool)
	return db, target, nil
}

// mysqlLogger writes go-sql-driver/mysql's log lines to slog as warnings.
type mysqlLogger struct{ l *slog.Logger }

func (m mysqlLogger) Print(v ...any) {
	m.l.Warn(strings.TrimSpace(fmt.Sprint(v...)), "driver", "mysql")
}

func setPool(db *sql.DB, p Pool) {
	db.SetMaxOpenConns(p.MaxOpen)
	idle := p.MaxIdle
	if idle == 0 {
		idle = 2
	}
	db.SetMaxIdleConns(idle)
	db.SetConnMaxLifetime(p.MaxLifetime)
}
