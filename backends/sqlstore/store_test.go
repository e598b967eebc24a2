package sqlstore

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
)

func TestGetSetDeleteExists(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		c := ctx(t)
		if _, err := s.Get(c, "missing"); !errors.Is(err, backends.ErrNotFound) {
			t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
		}
		tests := []struct {
			name  string
			key   string
			value []byte
		}{
			{"plain", "user:1", []byte("hello")},
			{"empty value", "empty", []byte{}},
			{"nil value", "nil", nil},
			{"binary value", "bin", []byte{0, 0xff, 0xfe, 0, 'x', 0x80}},
			{"NUL in key", "a\x00b", []byte("nul")},
			{"invalid UTF-8 key", "\xff\xfe\x80", []byte("invalid")},
			{"key differing in case", "USER:1", []byte("upper")},
			{"key with trailing space", "user:1 ", []byte("space")},
			{"unicode key", "ключ-🔑", []byte("unicode")},
		}
		for _, tt := range tests {
			if err := s.Set(c, tt.key, tt.value, 0); err != nil {
				t.Fatalf("%s: Set: %v", tt.name, err)
			}
		}
		for _, tt := range tests {
			got, err := s.Get(c, tt.key)
			if err != nil {
				t.Fatalf("%s: Get: %v", tt.name, err)
			}
			if got == nil || !bytes.Equal(got, tt.value) {
				t.Errorf("%s: Get = %q, want %q (non-nil)", tt.name, got, tt.value)
			}
			if ok, err := s.Exists(c, tt.key); err != nil || !ok {
				t.Errorf("%s: Exists = %v, %v; want true", tt.name, ok, err)
			}
		}
		// Overwrite.
		if err := s.Set(c, "user:1", []byte("again"), 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(c, "user:1"); string(got) != "again" {
			t.Errorf("after overwrite Get = %q, want %q", got, "again")
		}
		// Delete live, then missing.
		for i, want := range []bool{true, false} {
			if got, err := s.Delete(c, "a\x00b"); err != nil || got != want {
				t.Errorf("Delete #%d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if ok, _ := s.Exists(c, "a\x00b"); ok {
			t.Error("Exists after Delete = true")
		}
		if got, _ := s.Get(c, "a"); got != nil {
			t.Error(`"a" found: a NUL in a key must not cut it short`)
		}
		if got, want := rowCount(t, s), len(tests)-1; got != want {
			t.Errorf("rows = %d, want %d", got, want)
		}
	})
}

func TestTTL(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		clk := newClock()
		s := newStore(t, db, Config{}, clk.Now)
		c := ctx(t)
		live := func(key string) bool {
			t.Helper()
			ok, err := s.Exists(c, key)
			if err != nil {
				t.Fatal(err)
			}
			_, gerr := s.Get(c, key)
			if ok != (gerr == nil) {
				t.Fatalf("Exists(%q) = %v but Get error = %v", key, ok, gerr)
			}
			if gerr != nil && !errors.Is(gerr, backends.ErrNotFound) {
				t.Fatalf("Get(%q) error = %v, want ErrNotFound", key, gerr)
			}
			return ok
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}

		// On SQLite the store's clock is moved by hand, so the checks are
		// exact to the millisecond. On PostgreSQL and MySQL the
		// database's clock decides and the test sleeps: the TTLs are
		// short, and a key is checked live only well before its expiry.
		ttl, early, late, forever := 1500*time.Millisecond, 1499*time.Millisecond, time.Millisecond, time.Hour
		if s.dbClock {
			ttl, early, late, forever = time.Second, 0, time.Second, 300*time.Millisecond
		}
		must(s.Set(c, "k", []byte("v"), ttl))
		advance(s, clk, early)
		if !live("k") {
			t.Fatalf("key expired %v early", ttl-early)
		}
		advance(s, clk, late)
		if live("k") {
			t.Fatal("key still visible at its expiry time")
		}
		if ok, err := s.Delete(c, "k"); err != nil || ok {
			t.Errorf("Delete(expired) = %v, %v; want false", ok, err)
		}

		// Set without TTL removes the old expiry.
		must(s.Set(c, "k", []byte("v"), forever/2))
		must(s.Set(c, "k", []byte("v2"), 0))
		advance(s, clk, forever)
		if !live("k") {
			t.Error("Set without ttl kept the old expiry")
		}
		// A new TTL replaces a longer one.
		must(s.Set(c, "k", []byte("v3"), time.Hour))
		must(s.Set(c, "k", []byte("v4"), forever/2))
		advance(s, clk, forever/2)
		if live("k") {
			t.Error("shorter ttl did not replace the longer one")
		}
		// Set over an expired row makes it live again with the new value.
		must(s.Set(c, "k", []byte("v5"), 0))
		if got, err := s.Get(c, "k"); err != nil || string(got) != "v5" {
			t.Errorf("Get after reviving = %q, %v", got, err)
		}
		// Sub-millisecond TTLs round up instead of meaning "no expiry" or
		// "already expired".
		must(s.Set(c, "tiny", []byte("v"), time.Nanosecond))
		if !s.dbClock && !live("tiny") { // 1ms of real time may pass before the check
			t.Error("1ns ttl expired at once")
		}
		if left, ok, err := s.TTL(c, "tiny"); err == nil && (!ok || left > time.Millisecond) {
			t.Errorf("TTL of a 1ns ttl = %v, %v; want at most 1ms", left, ok)
		}
		advance(s, clk, time.Millisecond)
		if live("tiny") {
			t.Error("1ns ttl still live after 1ms")
		}
		if err := s.Set(c, "neg", []byte("v"), -time.Second); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("negative ttl error = %v, want ErrInvalid", err)
		}
	})
}

func TestKeyLimits(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		c := ctx(t)
		max := strings.Repeat("k", MaxKeyLen)
		if err := s.Set(c, max, []byte("v"), 0); err != nil {
			t.Fatalf("Set(255-byte key): %v", err)
		}
		if got, err := s.Get(c, max); err != nil || string(got) != "v" {
			t.Fatalf("Get(255-byte key) = %q, %v", got, err)
		}
		// A 255-byte key of multi-byte characters is 255 bytes, not 255 characters.
		tooLong := []string{max + "k", strings.Repeat("é", 128)}
		for _, key := range tooLong {
			err := s.Set(c, key, []byte("v"), 0)
			if !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "255") {
				t.Errorf("Set(%d-byte key) error = %v, want ErrInvalid naming the 255-byte limit", len(key), err)
			}
			if _, err := s.Get(c, key); !errors.Is(err, backends.ErrInvalid) {
				t.Errorf("Get(%d-byte key) error = %v, want ErrInvalid", len(key), err)
			}
			if _, err := s.Delete(c, key); !errors.Is(err, backends.ErrInvalid) {
				t.Errorf("Delete(%d-byte key) error = %v, want ErrInvalid", len(key), err)
			}
			if _, err := s.Exists(c, key); !errors.Is(err, backends.ErrInvalid) {
				t.Errorf("Exists(%d-byte key) error = %v, want ErrInvalid", len(key), err)
			}
		}
		if got := rowCount(t, s); got != 1 {
			t.Errorf("rows = %d, want 1: a too-long key must write nothing (no truncated row)", got)
		}
		if err := s.Set(c, "", []byte("v"), 0); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("Set(empty key) error = %v, want ErrInvalid", err)
		}
	})
}

func TestClearOnlyThisTable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		a := newStore(t, db, Config{}, nil)
		b := newStore(t, db, Config{}, nil)
		c := ctx(t)
		for _, s := range []*Store{a, b} {
			for i := range 3 {
				if err := s.Set(c, fmt.Sprint("k", i), []byte("v"), 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := a.Clear(c); err != nil {
			t.Fatal(err)
		}
		if got := rowCount(t, a); got != 0 {
			t.Errorf("cleared store has %d rows", got)
		}
		if ok, _ := b.Exists(c, "k1"); !ok || rowCount(t, b) != 3 {
			t.Errorf("Clear on one store removed keys of another")
		}
	})
}

func TestVersionColumnIncrements(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{VersionColumn: "version"}, nil)
		c := ctx(t)
		q := db.Dialect().Quote
		query := fmt.Sprintf("SELECT %s FROM %s", q("version"), q(s.cfg.Table))
		var first int64
		for n := int64(0); n < 3; n++ {
			if err := s.Set(c, "k", []byte(fmt.Sprint(n)), 0); err != nil {
				t.Fatal(err)
			}
			var got int64
			if err := db.DB().QueryRow(query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				first = got // seeded by the database's clock
			} else if got != first+n {
				t.Errorf("version after write %d = %d, want %d", n+1, got, first+n)
			}
		}
	})
}

func TestCleanup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		clk := newClock()
		s := newStore(t, db, Config{}, clk.Now)
		c := ctx(t)
		const nexpired = 2*cleanupBatch + 5 // several batches
		// Expired by the clock that decides: the store's on SQLite, the
		// database's (the real time) on the others.
		expired := clk.Now().UnixMilli() - 1
		if s.dbClock {
			expired = time.Now().Add(-time.Minute).UnixMilli()
		}
		tx := db.DB().MustBegin()
		q := db.Dialect().Quote
		ins := fmt.Sprintf("INSERT INTO %s (%s, %s, %s) VALUES (%s, %s, %s)", q(s.cfg.Table), q("key"), q("value"), q("expires_at"),
			db.Dialect().Placeholder(1), db.Dialect().Placeholder(2), db.Dialect().Placeholder(3))
		st := s.st.Load()
		for i := range nexpired {
			k, _ := s.key(st, fmt.Sprint("old", i))
			if _, err := tx.Exec(ins, k, []byte("v"), expired); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if err := s.Set(c, fmt.Sprint("live", i), []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Set(c, "forever", []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
		n, err := s.Cleanup(c)
		if err != nil {
			t.Fatal(err)
		}
		if n != nexpired {
			t.Errorf("Cleanup removed %d rows, want %d", n, nexpired)
		}
		if got := rowCount(t, s); got != 11 {
			t.Errorf("rows after cleanup = %d, want 11 live ones", got)
		}
	})
}

func TestCleanupLoopRunsAndStops(t *testing.T) {
	db := backendList[0].open(t)
	clk := newClock()
	s := newStore(t, db, Config{CleanupInterval: 5 * time.Millisecond}, clk.Now)
	c := ctx(t)
	if err := s.Set(c, "k", []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for rowCount(t, s) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("cleanup loop did not remove the expired row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// goleak in TestMain checks that Stop ended the loop.
}

func TestStoppedStoreIsUnavailable(t *testing.T) {
	db := backendList[0].open(t)
	s := newStore(t, db, Config{}, nil)
	c := ctx(t)
	if err := s.Stop(c); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(c, "k"); !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("Get on stopped store error = %v, want ErrUnavailable", err)
	}
	if err := s.Set(c, "k", []byte("v"), 0); !errors.Is(err, backends.ErrUnavailable) {
		t.Errorf("Set on stopped store error = %v, want ErrUnavailable", err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	backends := append([]backend{{"sqlite-memory", func(t testing.TB) *sqldb.Component {
		return openDB(t, sqldb.Config{Dialect: sqldb.SQLite, File: ":memory:"})
	}}}, backendList...)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s := newStore(t, b.open(t), Config{VersionColumn: "version"}, nil)
			c := ctx(t)
			const goroutines, ops = 32, 40
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*ops)
			for g := range goroutines {
				wg.Go(func() {
					for i := range ops {
						own := fmt.Sprintf("g%d-%d", g, i)
						shared := fmt.Sprint("shared", i%4)
						if err := s.Set(c, own, []byte(own), 0); err != nil {
							errs <- err
						}
						if err := s.Set(c, shared, []byte(own), time.Hour); err != nil {
							errs <- err
						}
						if v, err := s.Get(c, own); err != nil || string(v) != own {
							errs <- fmt.Errorf("Get(%s) = %q, %v", own, v, err)
						}
						if i%2 == 0 {
							if ok, err := s.Delete(c, own); err != nil || !ok {
								errs <- fmt.Errorf("Delete(%s) = %v, %v", own, ok, err)
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			n := 0
			for err := range errs {
				if n++; n <= 5 {
					t.Error(err)
				}
			}
			if n > 0 {
				t.Fatalf("%d failed calls", n)
			}
			if got, want := rowCount(t, s), goroutines*ops/2+4; got != want {
				t.Errorf("rows = %d, want %d", got, want)
			}
		})
	}
}

func TestStartChecksTable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		c := ctx(t)
		cfg := Config{Table: dbtest.TableName(t), IDColumn: "k", VersionColumn: "ver"}
		dropTable(t, db, cfg.Table)
		s, err := New(cfg, db, Options{ID: "app:cache"})
		if err != nil {
			t.Fatal(err)
		}
		// Missing table: the error holds the exact DDL.
		err = s.Start(c)
		ddl := Schema(cfg, db.Dialect())
		if err == nil || !strings.Contains(err.Error(), ddl) || !strings.Contains(err.Error(), "create_table: true") {
			t.Fatalf("Start on a missing table: error = %v\nwant it to contain:\n%s", err, ddl)
		}
		if got := tableExists(t, db, cfg.Table); got {
			t.Fatal("Start without create_table created the table")
		}
		// The DDL from the error works as given.
		for _, stmt := range strings.Split(strings.TrimSpace(ddl), ";\n") {
			if _, err := db.DB().Exec(strings.TrimSuffix(stmt, ";")); err != nil {
				t.Fatalf("running the suggested DDL: %v\n%s", err, stmt)
			}
		}
		if err := s.Start(c); err != nil {
			t.Fatalf("Start after running the DDL: %v", err)
		}
		if err := s.Set(c, "k", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Stop(c); err != nil {
			t.Fatal(err)
		}

		// A table lacking a column: the error names it and ends with the
		// statements that add it.
		other := Config{Table: cfg.Table, IDColumn: "k", ExpireColumn: "ttl_ms"}
		s2, _ := New(other, db, Options{})
		err = s2.Start(c)
		fix, _ := addColumns(other, db.Dialect(), []string{"ttl_ms"})
		if err == nil || !strings.Contains(err.Error(), "lacks column(s) ttl_ms") || !strings.HasSuffix(err.Error(), "\n\n"+fix) {
			t.Fatalf("Start on a table lacking a column: error = %v", err)
		}
	})
}

func TestCreateTable(t *testing.T) {
	// The schema each test database has, for schema-qualified names.
	schemas := map[sqldb.Dialect]string{sqldb.SQLite: "main", sqldb.Postgres: "public", sqldb.MySQL: "test"}
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		for _, qualified := range []bool{false, true} {
			cfg := Config{Table: dbtest.TableName(t), CreateTable: true, VersionColumn: "v"}
			if qualified {
				cfg.Table = schemas[db.Dialect()] + "." + cfg.Table
			}
			dropTable(t, db, cfg.Table)
			// Twice: the second start finds the table in place.
			for i := range 2 {
				s := newStore(t, db, cfg, nil)
				if err := s.Set(ctx(t), fmt.Sprint("k", i), []byte("v"), 0); err != nil {
					t.Fatal(err)
				}
			}
			s := newStore(t, db, cfg, nil)
			if got := rowCount(t, s); got != 2 {
				t.Errorf("%s: rows = %d, want 2", cfg.Table, got)
			}
		}
	})
}

func tableExists(t *testing.T, db *sqldb.Component, table string) bool {
	t.Helper()
	s := &Store{cfg: Config{Table: table}, db: db}
	cols, err := s.columns(ctx(t), db.DB())
	if err != nil {
		t.Fatal(err)
	}
	return len(cols) > 0
}

// Two hosts on one SQLite file: writers of different processes meet in
// SQLite's locks, where the busy timeout makes them wait their turn.
func TestSQLiteTwoHostsOneFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "shared.db")
	cfg := Config{Table: "kv", CreateTable: true}
	var stores []*Store
	for range 2 {
		db := openDB(t, sqldb.Config{Dialect: sqldb.SQLite, File: file})
		stores = append(stores, newStore(t, db, cfg, nil))
	}
	c := ctx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for g := range 16 {
		s := stores[g%2]
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("g%d-%d", g, i)
				if err := s.Set(c, key, []byte(key), 0); err != nil {
					errs <- err
				}
				if _, err := s.Get(c, fmt.Sprint("g", (g+1)%16, "-", i)); err != nil && !errors.Is(err, backends.ErrNotFound) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := rowCount(t, stores[0]); got != 16*50 {
		t.Errorf("rows = %d, want %d", got, 16*50)
	}
}
