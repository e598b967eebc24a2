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
	"github.com/mattn/go-sqlite3"
)

// fail wraps a database error from operation op. Errors that mean the
// database cannot be reached wrap backends.ErrUnavailable; when the call's
// context has ended the error also wraps the context's error.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	var extra []error
	if unavailable(err) {
		extra = append(extra, backends.ErrUnavailable)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		extra = append(extra, cerr)
	}
	switch len(extra) {
	case 0:
		return fmt.Errorf("%s: %s: %w", s.id, op, err)
	case 1:
		return fmt.Errorf("%s: %s: %w: %w", s.id, op, extra[0], err)
	default:
		return fmt.Errorf("%s: %s: %w (%w): %w", s.id, op, extra[0], extra[1], err)
	}
}

// unavailable reports whether err means the database is down, unreachable
// or shutting down, or the connection broke: a later call may succeed.
func unavailable(err error) bool {
	var (
		pgErr   *pgconn.PgError
		connErr *pgconn.ConnectError
		myErr   *mysql.MySQLError
		liteErr sqlite3.Error
		netErr  *net.OpError
	)
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
	case errors.As(err, &liteErr):
		switch liteErr.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull:
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

// execWrite runs a write statement, again (up to 3 runs) when the database
// rolled it back as a deadlock victim or serialization failure: the
// statement had no effect, so running it again is safe. InnoDB can pick an
// upsert as a victim when several run on one key.
func execWrite(ctx context.Context, stmt *sqlx.Stmt, args ...any) (sql.Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := stmt.ExecContext(ctx, args...)
		if err == nil || attempt == 3 || !rolledBack(err) || ctx.Err() != nil {
			return res, err
		}
	}
}

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
