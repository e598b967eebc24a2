//go:build cgo

package sqlstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mattn/go-sqlite3"
)

// TestSQLiteCodes: the store's copies of SQLite's result codes (which
// builds without cgo need) are the driver's, and sqliteError finds a
// wrapped driver error.
func TestSQLiteCodes(t *testing.T) {
	for _, c := range []struct {
		ours   sqliteCode
		driver sqlite3.ErrNo
	}{
		{sqliteBusy, sqlite3.ErrBusy},
		{sqliteLocked, sqlite3.ErrLocked},
		{sqliteIOErr, sqlite3.ErrIoErr},
		{sqliteFull, sqlite3.ErrFull},
		{sqliteCantOpen, sqlite3.ErrCantOpen},
		{sqliteTooBig, sqlite3.ErrTooBig},
	} {
		if int(c.ours) != int(c.driver) {
			t.Errorf("code %d, the driver's is %d (%v)", c.ours, c.driver, c.driver)
		}
		code, ok := sqliteError(fmt.Errorf("exec: %w", sqlite3.Error{Code: c.driver}))
		if !ok || code != c.ours {
			t.Errorf("sqliteError(wrapped %v) = %d, %v; want %d, true", c.driver, code, ok, c.ours)
		}
	}
	if _, ok := sqliteError(fmt.Errorf("exec: %w", errors.New("not sqlite"))); ok {
		t.Error("sqliteError found an SQLite error in a plain one")
	}
}
