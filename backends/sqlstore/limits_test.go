package sqlstore

import (
	"errors"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// TestValueLimit: a value over what the database takes is INVALID (not
// retryable), names the limit, and leaves the key as it was; a value at
// the limit is stored, on every dialect. Values over PostgreSQL's and
// SQLite's limits (about 1 GB) are refused before they are sent, so the
// test allocates them without touching their pages.
func TestValueLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		st, err := s.running()
		if err != nil {
			t.Fatal(err)
		}
		want := map[sqldb.Dialect]string{
			sqldb.Postgres: "1 GB field size",
			sqldb.MySQL:    "max_allowed_packet",
			sqldb.SQLite:   "SQLITE_MAX_LENGTH",
		}[db.Dialect()]
		if err := s.Set(ctx(t), "k", []byte("before"), 0); err != nil {
			t.Fatal(err)
		}
		over := make([]byte, st.maxValue+1)
		for name, write := range map[string]func() error{
			"set": func() error { return s.Set(ctx(t), "k", over, 0) },
			"put": func() error { _, err := s.Put(ctx(t), "k", over, backends.PutOptions{}); return err },
			"put only_if_absent": func() error {
				_, err := s.Put(ctx(t), "new", over, backends.PutOptions{OnlyIfAbsent: true})
				return err
			},
		} {
			err := write()
			if !errors.Is(err, backends.ErrInvalid) || errors.Is(err, backends.ErrUnavailable) {
				t.Errorf("%s of %d bytes: error = %v, want ErrInvalid only", name, len(over), err)
			} else if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: message %q does not name %q", name, err, want)
			}
		}
		if got, err := s.Get(ctx(t), "k"); err != nil || string(got) != "before" {
			t.Errorf("after refused writes: %q, %v; want %q", got, err, "before")
		}
		if db.Dialect() != sqldb.MySQL {
			return // a 1 GB round trip is too much for a unit test
		}
		at := make([]byte, st.maxValue)
		for i := range at {
			at[i] = byte(i)
		}
		if err := s.Set(ctx(t), "k", at, 0); err != nil {
			t.Fatalf("set of %d bytes, at the limit: %v", len(at), err)
		}
		if got, err := s.Get(ctx(t), "k"); err != nil || len(got) != len(at) {
			t.Errorf("get after a set at the limit: %d bytes, %v", len(got), err)
		}
	})
}
