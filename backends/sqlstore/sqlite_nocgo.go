//go:build !cgo

package sqlstore

import "github.com/luahost/luahost/backends/sqldb"

// sqliteError finds no SQLite error: without cgo there is no SQLite
// driver (see sqldb.ErrSQLiteUnavailable).
func sqliteError(error) (code sqliteCode, ok bool) { return 0, false }

// sqliteLengthLimit fails: without cgo there is no SQLite connection.
func sqliteLengthLimit(any) (int, error) { return 0, sqldb.ErrSQLiteUnavailable }
