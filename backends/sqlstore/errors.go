package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// sqliteCode is an SQLite primary result code, as sqliteError returns
// it; SQLite fixes their values (https://sqlite.org/rescode.html).
type sqliteCode int

// The SQLite result codes the store tells apart.
const (
	sqliteBusy     sqliteCode = 5  // SQLITE_BUSY: another connection holds the lock
	sqliteLocked   sqliteCode = 6  // SQLITE_LOCKED
	sqliteIOErr    sqliteCode = 10 // SQLITE_IOERR
	sqliteFull     sqliteCode = 13 // SQLITE_FULL
	sqliteCantOpen sqliteCode = 14 // SQLITE_CANTOPEN
	sqliteTooBig   sqliteCode = 18 // SQLITE_TOOBIG
)

// fail wraps a database error from operation op. Errors that mean the
// database cannot be reached wrap backends.ErrUnavailable; when the call's
// context has ended the error also wraps the context's error.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	var extra []error
	switch {
	case tooLarge(err):
		extra = append(extra, backends.ErrInvalid)
	case unavailable(err):
		extra = append(extra, backends.ErrUnavailable)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		extra = append(extra, cerr)
	}
	return withKinds(fmt.Errorf("%s: %w", op, err), extra...)
}

// errNotFound is the error of a call on a missing or expired key; the
// caller names the key.
var errNotFound = backends.Errorf(backends.ErrNotFound, "key not found")

// withKinds returns err also matching each of kinds with errors.Is,
// without adding their text to its message: the script sees the kind
// apart, and Go callers test it with errors.Is.
func withKinds(err error, kinds ...error) error {
	for _, k := range kinds {
		err = backends.Errorf(k, "%w", err)
	}
	return err
}

// unavailable reports whether err means the database is down, unreachable
// or shutting down, or the connection broke: a later call may succeed.
func unavailable(err error) bool {
	var (
		pgErr   *pgconn.PgError
		connErr *pgconn.ConnectError
		myErr   *mysql.MySQLError
		netErr  *net.OpError
	)
	liteCode, liteErr := sqliteError(err)
	switch {
	// *net.OpError, not net.Error: context.DeadlineExceeded is a net.Error.
	case errors.As(err, &connErr), errors.As(err, &netErr):
		return true
	case errors.As(err, &pgErr):
		// Class 08: connection exception; 57P01-03: admin or crash
		// shutdown, server starting; 53300: too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" ||
			pgErr.Code == "57P03" || pgErr.Code == "53300"
	case errors.As(err, &myErr):
		// 1040 too many connections, 1053 server shutdown, 1927
		// connection killed (MariaDB), 1317 query interrupted.
		switch myErr.Number {
		case 1040, 1053, 1927, 1317:
			return true
		}
		return false
	case liteErr:
		switch liteCode {
		case sqliteBusy, sqliteLocked, sqliteCantOpen, sqliteIOErr, sqliteFull:
			return true
		}
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err) {
		return true
	}
	// database/sql and pgx report closed pools and connections with
	// unexported errors.
	msg := err.Error()
	for _, s := range []string{"sql: database is closed", "sql: statement is closed", "conn closed", "unexpected EOF", "broken pipe", "connection reset"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// tooLarge reports an error saying a statement or value is over a size
// limit of the database: a value the store's own check did not catch
// (the check runs before sending, so this is rare) is ErrInvalid too.
func tooLarge(err error) bool {
	var (
		pgErr *pgconn.PgError
		myErr *mysql.MySQLError
	)
	liteCode, liteErr := sqliteError(err)
	switch {
	case errors.Is(err, mysql.ErrPktTooLarge):
		return true
	case errors.As(err, &pgErr):
		return pgErr.Code == "54000" // program_limit_exceeded
	case errors.As(err, &myErr):
		return myErr.Number == 1153 || myErr.Number == 1301 // packet too large, max_allowed_packet exceeded
	case liteErr:
		return liteCode == sqliteTooBig
	}
	return false
}

// execWrite runs a write statement under statementRetry. point says it is a
// single-row statement (see pointCtx).
func (s *Store) execWrite(ctx context.Context, point bool, stmt *sqlx.Stmt, args ...any) (sql.Result, error) {
	run := ctx
	if point {
		run = s.pointCtx(ctx)
	}
	var res sql.Result
	err := s.retry.do(ctx, statementRetry, func() (err error) {
		if s.db.Dialect() == sqldb.MySQL {
			res, err = s.execInTx(ctx, stmt, args...)
		} else {
			res, err = stmt.ExecContext(run, args...)
		}
		return err
	})
	return res, err
}

// execInTx runs stmt in a transaction of its own. When a call's context
// ends, go-sql-driver/mysql closes the connection, but the server goes on
// with a statement that waits for a lock and, in autocommit mode, commits
// it once it gets the lock: a write reported as TIMEOUT would be applied
// later. In a transaction it never is: the server rolls back when it
// finds the connection gone.
func (s *Store) execInTx(ctx context.Context, stmt *sqlx.Stmt, args ...any) (sql.Result, error) {
	db := s.db.DB()
	if db == nil {
		return nil, backends.Errorf(backends.ErrUnavailable, "database %s is not running", s.cfg.Database)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	res, err := tx.StmtxContext(ctx, stmt).ExecContext(ctx, args...)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return res, tx.Commit()
}

// queryRow runs a single-row statement returning one row into dest,
// under statementRetry.
func (s *Store) queryRow(ctx context.Context, stmt *sqlx.Stmt, dest []any, args ...any) error {
	run := s.pointCtx(ctx)
	return s.retry.do(ctx, statementRetry, func() error { return stmt.QueryRowContext(run, args...).Scan(dest...) })
}

// busy reports SQLITE_BUSY: another connection holds the lock.
func busy(err error) bool {
	code, ok := sqliteError(err)
	return ok && code == sqliteBusy
}

// outcomeUnknown returns the error of a write that is not safe to repeat
// (incr, put only_if_absent) whose statement or commit failed with err:
// wrapping backends.ErrOutcomeUnknown when the request may have reached
// the database and only its answer was lost, else as s.fail does.
func (s *Store) outcomeUnknown(ctx context.Context, op, key string, err error) error {
	if !mayHaveApplied(err) {
		return s.fail(ctx, op, err)
	}
	extra := ""
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
		extra = " after the call's context ended"
	}
	return backends.Errorf(backends.ErrOutcomeUnknown, "%s %q: outcome unknown: the connection failed%s after the write was sent, so it may or may not have been applied; read the key before repeating it: %w",
		op, key, extra, err)
}

// mayHaveApplied reports whether a failed statement or commit may still
// have taken effect: the database did not answer, or ended the connection
// (a statement error, such as PostgreSQL's "canceling statement", says it
// did not), and the driver cannot tell that the request was never sent. SQLite runs in process, so
// its outcome is always known.
func mayHaveApplied(err error) bool {
	var (
		pgErr *pgconn.PgError
		myErr *mysql.MySQLError
	)
	_, liteErr := sqliteError(err)
	switch {
	case err == nil, liteErr:
		return false
	case errors.As(err, &pgErr):
		// A FATAL connection error (terminated, shut down) can come after
		// the commit record is written; a statement error cannot.
		return pgErr.Severity == "FATAL" || pgErr.Severity == "PANIC" || unavailable(err)
	case errors.As(err, &myErr):
		return myErr.Number == 1053 || myErr.Number == 1927 // shutdown, connection killed
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrTxDone), pgconn.SafeToRetry(err):
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// database/sql returns the bare context error when it gave up
		// before sending; a lost answer comes with a network error.
		return unavailable(err)
	}
	return true
}

// commitError is a failed COMMIT of a read-modify-write transaction: the
// one step whose failure may leave the write applied.
type commitError struct{ err error }

func (e *commitError) Error() string { return "commit: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

func rolledBack(err error) bool {
	var (
		pgErr *pgconn.PgError
		myErr *mysql.MySQLError
	)
	switch {
	case errors.As(err, &pgErr):
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	case errors.As(err, &myErr):
		return myErr.Number == 1213
	}
	return false
}
