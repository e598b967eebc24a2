//go:build cgo

package sqldb

import (
	"database/sql/driver"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// newSQLiteDriver returns go-sqlite3's driver, which sets the pragmas
// (name, value), in order, on every connection it opens. go-sqlite3 is C
// code: builds without cgo have no SQLite (see sqlite_nocgo.go).
var newSQLiteDriver = func(pragmas [][2]string) driver.Driver {
	return &sqlite3.SQLiteDriver{ConnectHook: func(conn *sqlite3.SQLiteConn) error {
		for _, p := range pragmas {
			if _, err := conn.Exec("PRAGMA "+p[0]+" = "+p[1], nil); err != nil {
				return fmt.Errorf("pragma %s: %w", p[0], err)
			}
		}
		return nil
	}}
}
