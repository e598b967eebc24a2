//go:build cgo

package sqlstore

import (
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// sqliteError returns the primary result code of an SQLite error in err's
// chain; ok is false when there is none.
func sqliteError(err error) (code sqliteCode, ok bool) {
	var liteErr sqlite3.Error
	if !errors.As(err, &liteErr) {
		return 0, false
	}
	return sqliteCode(liteErr.Code), true
}

// sqliteLengthLimit returns SQLITE_LIMIT_LENGTH, in bytes, of dc, a
// connection of the SQLite driver.
func sqliteLengthLimit(dc any) (int, error) {
	c, ok := dc.(*sqlite3.SQLiteConn)
	if !ok {
		return 0, fmt.Errorf("unexpected SQLite driver connection %T", dc)
	}
	return c.GetLimit(sqlite3.SQLITE_LIMIT_LENGTH), nil
}
