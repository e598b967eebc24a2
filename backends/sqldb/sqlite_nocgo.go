//go:build !cgo

package sqldb

import "database/sql/driver"

// newSQLiteDriver is nil: the SQLite driver, go-sqlite3, is C code, and
// this binary was built without cgo.
var newSQLiteDriver func(pragmas [][2]string) driver.Driver
