package sqlstore

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/internal/testclock"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// backend is a database the store tests run against.
type backend struct {
	name string
	open func(t testing.TB) *sqldb.Component
}

var backendList = []backend{
	{"sqlite", func(t testing.TB) *sqldb.Component {
		return openDB(t, sqldb.Config{Dialect: sqldb.SQLite, File: filepath.Join(t.TempDir(), "store.db")})
	}},
	{"postgres", func(t testing.TB) *sqldb.Component {
		return openDB(t, sqldb.Config{Dialect: sqldb.Postgres, DSN: dbtest.PostgresDSN(t)})
	}},
	{"mysql", func(t testing.TB) *sqldb.Component {
		return openDB(t, sqldb.Config{Dialect: sqldb.MySQL, DSN: dbtest.MySQLDSN(t)})
	}},
}

// forEachBackend runs f once per database, each in its own subtest.
func forEachBackend(t *testing.T, f func(t *testing.T, db *sqldb.Component)) {
	for _, b := range backendList {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}

func openDB(t testing.TB, cfg sqldb.Config) *sqldb.Component {
	t.Helper()
	c, err := sqldb.New("test:db", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

// ctx bounds a test's database calls. Generous: the concurrency tests run
// thousands of transactions, on machines that may be shared.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return c
}

func newClock() *testclock.Clock { return testclock.New() }

// advance lets d pass for s: on SQLite it moves clk, the store's clock;
// on PostgreSQL and MySQL, whose own clock decides expiry, it sleeps.
func advance(s *Store, clk *testclock.Clock, d time.Duration) {
	if s.dbClock {
		time.Sleep(d)
		return
	}
	clk.Advance(d)
}

// dropTable drops table when the test ends (a table of its own per test,
// so packages sharing a server do not collide).
func dropTable(t testing.TB, db *sqldb.Component, table string) {
	dbtest.DropOnCleanup(t, db.DB().DB, db.Dialect().Quote(table))
}

// newStore creates a table of the test's own and a started store on it.
// cfg.Table is filled in when empty.
func newStore(t testing.TB, db *sqldb.Component, cfg Config, now func() time.Time) *Store {
	t.Helper()
	if cfg.Table == "" {
		cfg.Table = dbtest.TableName(t)
		cfg.CreateTable = true
		dropTable(t, db, cfg.Table)
	}
	s, err := New(cfg, db, Options{ID: "test:store", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

// rowCount counts the rows of the store's table, expired or not.
func rowCount(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.DB().QueryRow("SELECT count(*) FROM " + s.db.Dialect().Quote(s.cfg.Table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var update = flag.Bool("update", false, "rewrite golden files")

// checkGolden compares got with the golden file at path, which -update
// rewrites first.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}
