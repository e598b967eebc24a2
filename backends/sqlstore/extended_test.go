package sqlstore

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
)

// hosts returns n stores on one table, each on its own connection pool,
// as n hosts sharing a database have. On SQLite they share the file. now
// is their clock (nil: time.Now).
func hosts(t *testing.T, b backend, n int, cfg Config, now func() time.Time) []*Store {
	t.Helper()
	var open func(testing.TB) *sqldb.Component
	if b.name == "sqlite" {
		file := filepath.Join(t.TempDir(), "shared.db")
		open = func(t testing.TB) *sqldb.Component {
			return openDB(t, sqldb.Config{Dialect: sqldb.SQLite, File: file})
		}
	} else {
		open = b.open
	}
	cfg.Table, cfg.CreateTable = dbtest.TableName(t), true
	var out []*Store
	for i := range n {
		db := open(t)
		if i == 0 {
			dropTable(t, db, cfg.Table)
		}
		out = append(out, newStore(t, db, cfg, now))
	}
	return out
}

// forEachDB runs f once per database, each in its own subtest.
func forEachDB(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backendList {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// collect gathers errors from goroutines and reports the first few.
type collect struct {
	mu   sync.Mutex
	errs []error
}

func (c *collect) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}

func (c *collect) check(t *testing.T) {
	t.Helper()
	for i, err := range c.errs {
		if i == 5 {
			break
		}
		t.Error(err)
	}
	if len(c.errs) > 0 {
		t.Fatalf("%d failed calls", len(c.errs))
	}
}

// Incr from 16 goroutines on two hosts, starting on a missing key: no
// increment is lost.
func TestIncrConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, b backend) {
		stores := hosts(t, b, 2, Config{VersionColumn: "version"}, nil)
		c := ctx(t)
		const goroutines, ops = 16, 200
		var (
			wg   sync.WaitGroup
			errs collect
		)
		for g := range goroutines {
			s := stores[g%2]
			wg.Go(func() {
				for range ops {
					if _, err := s.Incr(c, "n", 1, backends.IncrOptions{}); err != nil {
						errs.add(err)
						return
					}
				}
			})
		}
		wg.Wait()
		errs.check(t)
		const want = goroutines * ops
		got, err := stores[0].Get(c, "n")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, backends.EncodeNumber(want)) {
			t.Errorf("stored % x, want % x (%d)", got, backends.EncodeNumber(want), want)
		}
		// The key was created by one of the increments: its version
		// started at an unknown seed and rose by one for each other write.
		e, err := stores[1].Entry(c, "n")
		if err != nil {
			t.Fatal(err)
		}
		if v, err := strconv.ParseInt(e.Version, 10, 64); err != nil || v < want {
			t.Errorf("version = %q, %v; want a number of at least %d", e.Version, err, want)
		}
	})
}

// Compare-and-set loops (entry, then put with if_version, again on
// CONFLICT) from 8 goroutines on two hosts: every success counts once.
func TestCompareAndSetConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, b backend) {
		stores := hosts(t, b, 2, Config{VersionColumn: "version"}, nil)
		c := ctx(t)
		if err := stores[0].Set(c, "n", backends.EncodeNumber(0), 0); err != nil {
			t.Fatal(err)
		}
		const goroutines, ops = 8, 25
		var (
			wg        sync.WaitGroup
			errs      collect
			conflicts atomic.Int64
		)
		for g := range goroutines {
			s := stores[g%2]
			wg.Go(func() {
				for range ops {
					for {
						e, err := s.Entry(c, "n")
						if err != nil {
							errs.add(err)
							return
						}
						n, err := backends.DecodeNumber(e.Value)
						if err != nil {
							errs.add(err)
							return
						}
						_, err = s.Put(c, "n", backends.EncodeNumber(n+1), backends.PutOptions{IfVersion: e.Version, HasIfVersion: true})
						if err == nil {
							break
						}
						if !errors.Is(err, backends.ErrConflict) {
							errs.add(err)
							return
						}
						conflicts.Add(1)
					}
				}
			})
		}
		wg.Wait()
		errs.check(t)
		got, _ := stores[0].Get(c, "n")
		if want := backends.EncodeNumber(goroutines * ops); !bytes.Equal(got, want) {
			t.Errorf("stored % x, want % x", got, want)
		}
		t.Logf("%d conflicts retried", conflicts.Load())
	})
}

// put only_if_absent from 16 goroutines on two hosts: exactly one wins
// each key, on missing keys and on expired rows alike.
func TestOnlyIfAbsentOneWinner(t *testing.T) {
	forEachDB(t, func(t *testing.T, b backend) {
		for _, cfg := range []Config{{}, {VersionColumn: "version"}} {
			t.Run(fmt.Sprint("versioned=", cfg.VersionColumn != ""), func(t *testing.T) {
				clk := newClock()
				stores := hosts(t, b, 2, cfg, clk.Now)
				c := ctx(t)
				const goroutines, nkeys = 16, 20
				// Odd keys exist as rows that have just expired.
				for k := 1; k < nkeys; k += 2 {
					if err := stores[0].Set(c, fmt.Sprint("k", k), []byte("old"), time.Millisecond); err != nil {
						t.Fatal(err)
					}
				}
				advance(stores[0], clk, time.Millisecond)
				var (
					wg      sync.WaitGroup
					errs    collect
					winners [nkeys]atomic.Int64
					start   = make(chan struct{})
				)
				for g := range goroutines {
					s := stores[g%2]
					wg.Go(func() {
						<-start
						for k := range nkeys {
							_, err := s.Put(c, fmt.Sprint("k", k), []byte(fmt.Sprint("g", g)), backends.PutOptions{OnlyIfAbsent: true})
							switch {
							case err == nil:
								winners[k].Add(1)
							case !errors.Is(err, backends.ErrAlreadyExists):
								errs.add(err)
							}
						}
					})
				}
				close(start)
				wg.Wait()
				errs.check(t)
				for k := range nkeys {
					if n := winners[k].Load(); n != 1 {
						t.Errorf("key k%d: %d winners, want 1", k, n)
					}
				}
			})
		}
	})
}

// Paging through 2,000 binary keys visits each once, in byte order.
func TestListPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		s := newStore(t, db, Config{}, nil)
		c := ctx(t)
		r := rand.New(rand.NewPCG(1, 2))
		seen := map[string]bool{}
		var keys []string
		for len(keys) < 2000 {
			b := make([]byte, 1+r.IntN(12))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			if len(keys)%4 == 0 {
				b = append([]byte("p:"), b...) // a quarter under one prefix
			}
			if k := string(b); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		var wg sync.WaitGroup
		var errs collect
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < len(keys); i += 8 {
					if err := s.Set(c, keys[i], []byte{byte(i)}, 0); err != nil {
						errs.add(err)
					}
				}
			})
		}
		wg.Wait()
		errs.check(t)
		slices.Sort(keys)
		var prefixed []string
		for _, k := range keys {
			if strings.HasPrefix(k, "p:") {
				prefixed = append(prefixed, k)
			}
		}
		for _, tt := range []struct {
			prefix string
			limit  int
			want   []string
		}{
			{"", 0, keys},
			{"", 1000, keys},
			{"", 137, keys},
			{"p:", 50, prefixed},
		} {
			var got []string
			after, pages := "", 0
			for {
				page, err := s.List(c, backends.ListOptions{Prefix: tt.prefix, After: after, Limit: tt.limit})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, it := range page.Items {
					got = append(got, it.Key)
				}
				if !page.HasMore {
					break
				}
				after = page.Cursor
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("prefix %q limit %d: listed %d keys, want %d in byte order", tt.prefix, tt.limit, len(got), len(tt.want))
			}
			t.Logf("prefix %q limit %d: %d pages", tt.prefix, tt.limit, pages)
		}
		if _, err := s.List(c, backends.ListOptions{Limit: 1001}); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("limit 1001: error = %v, want ErrInvalid", err)
		}
	})
}

func TestVersionsAndRawValues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		clk := newClock()
		s := newStore(t, db, Config{VersionColumn: "version"}, clk.Now)
		c := ctx(t)
		want := func(what, key, version string) {
			t.Helper()
			e, err := s.Entry(c, key)
			if err != nil || e.Version != version {
				t.Errorf("%s: version = %q, %v; want %q", what, e.Version, err, version)
			}
		}
		it, err := s.Put(c, "k", []byte("a"), backends.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		base, err := strconv.ParseInt(it.Version, 10, 64)
		if err != nil {
			t.Fatalf("version %q is not a number: %v", it.Version, err)
		}
		v := func(n int64) string { return strconv.FormatInt(base+n, 10) }
		it, err = s.Put(c, "k", []byte("b"), backends.PutOptions{IfVersion: it.Version, HasIfVersion: true})
		if err != nil || it.Version != v(1) {
			t.Fatalf("put if_version: %+v, %v; want version %s", it, err, v(1))
		}
		want("after put", "k", v(1))
		if ok, err := s.Expire(c, "k", time.Second); err != nil || !ok {
			t.Fatalf("Expire = %v, %v", ok, err)
		}
		want("expire is a write", "k", v(2))
		// A row replaced after expiry keeps counting, so an old version
		// cannot match the new key.
		advance(s, clk, time.Second)
		it, err = s.Put(c, "k", []byte("c"), backends.PutOptions{OnlyIfAbsent: true})
		if err != nil || it.Version != v(3) {
			t.Fatalf("put only_if_absent over an expired row: %+v, %v; want version %s", it, err, v(3))
		}
		if err := s.Set(c, "k", []byte{0xa1, 'c'}, 0); err != nil { // the string "c"
			t.Fatal(err)
		}
		want("set", "k", v(4))
		if _, err := s.Incr(c, "k", 1, backends.IncrOptions{}); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("incr of a non-number: %v, want ErrInvalid", err)
		}
		want("a failed incr writes nothing", "k", v(4))

		// A key deleted and written again gets a version it never had,
		// so a compare-and-set holding an old version fails.
		if ok, err := s.Delete(c, "k"); err != nil || !ok {
			t.Fatalf("Delete = %v, %v", ok, err)
		}
		if _, err := s.Put(c, "k", []byte("d"), backends.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		for n := int64(0); n <= 4; n++ {
			if _, err := s.Put(c, "k", []byte("e"), backends.PutOptions{IfVersion: v(n), HasIfVersion: true}); !errors.Is(err, backends.ErrConflict) {
				t.Errorf("put if_version %s (before the delete): %v, want ErrConflict", v(n), err)
			}
		}

		// Incr writes MessagePack numbers, integers when integral.
		var first int64
		for i, tt := range []struct {
			delta float64
			want  []byte
		}{{1, []byte{0x01}}, {299, []byte{0xcd, 0x01, 0x2c}}, {-400.5, backends.EncodeNumber(-100.5)}} {
			if _, err := s.Incr(c, "n", tt.delta, backends.IncrOptions{}); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Get(c, "n"); !bytes.Equal(got, tt.want) {
				t.Errorf("after incr %v: stored % x, want % x", tt.delta, got, tt.want)
			}
			e, err := s.Entry(c, "n")
			if err != nil {
				t.Fatal(err)
			}
			n, _ := strconv.ParseInt(e.Version, 10, 64)
			if i == 0 {
				first = n
			} else if n != first+int64(i) {
				t.Errorf("after incr %d: version %d, want %d", i+1, n, first+int64(i))
			}
		}
	})
}

func TestIfVersionNeedsVersionColumn(t *testing.T) {
	db := backendList[0].open(t)
	s := newStore(t, db, Config{}, nil)
	c := ctx(t)
	_, err := s.Put(c, "k", []byte("v"), backends.PutOptions{HasIfVersion: true, IfVersion: ""})
	if !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "version_column_name") {
		t.Errorf("error = %v, want ErrInvalid saying to set version_column_name", err)
	}
	it, err := s.Put(c, "k", []byte("v"), backends.PutOptions{})
	if err != nil || it.Version != "" {
		t.Errorf("put = %+v, %v; want version \"\"", it, err)
	}
	info, err := s.Info(c)
	want := backends.Info{Kind: Kind, Backend: "sqlite", Durable: true, Size: 1,
		Capabilities: backends.Capabilities{TTL: true, List: true, Incr: true}}
	if err != nil || info != want {
		t.Errorf("Info = %+v, %v; want %+v", info, err, want)
	}
}

// A hand-made PostgreSQL table with a TEXT key still lists in byte order.
func TestListPostgresTextKey(t *testing.T) {
	db := backendList[1].open(t)
	table := dbtest.TableName(t)
	dropTable(t, db, table)
	if _, err := db.DB().Exec(fmt.Sprintf(`CREATE TABLE %q (key TEXT PRIMARY KEY, value BYTEA NOT NULL, expires_at BIGINT)`, table)); err != nil {
		t.Fatal(err)
	}
	s := newStore(t, db, Config{Table: table}, nil)
	c := ctx(t)
	keys := []string{"b", "a", "B", "A", "é", "e", "a b", "ab", "a-b", "_x", "%x", "z"}
	for _, k := range keys {
		if err := s.Set(c, k, []byte("v"), 0); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(keys)
	page, err := s.List(c, backends.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range page.Items {
		got = append(got, it.Key)
	}
	if !slices.Equal(got, keys) {
		t.Errorf("keys = %q, want byte order %q", got, keys)
	}
	page, err = s.List(c, backends.ListOptions{Prefix: "a", After: "a b"})
	if err != nil || len(page.Items) != 2 || page.Items[0].Key != "a-b" || page.Items[1].Key != "ab" {
		t.Errorf("prefix a after \"a b\" = %+v, %v", page.Items, err)
	}
	if _, err := s.List(c, backends.ListOptions{Prefix: "\xff"}); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("invalid UTF-8 prefix: error = %v, want ErrInvalid", err)
	}
}

func TestExtendedOnStoppedStore(t *testing.T) {
	db := backendList[0].open(t)
	s := newStore(t, db, Config{}, nil)
	c := ctx(t)
	if err := s.Stop(c); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Entry":  func() error { _, err := s.Entry(c, "k"); return err },
		"Put":    func() error { _, err := s.Put(c, "k", nil, backends.PutOptions{}); return err },
		"List":   func() error { _, err := s.List(c, backends.ListOptions{}); return err },
		"Incr":   func() error { _, err := s.Incr(c, "k", 1, backends.IncrOptions{}); return err },
		"TTL":    func() error { _, _, err := s.TTL(c, "k"); return err },
		"Expire": func() error { _, err := s.Expire(c, "k", 0); return err },
		"Info":   func() error { _, err := s.Info(c); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, backends.ErrUnavailable) {
			t.Errorf("%s on a stopped store: error = %v, want ErrUnavailable", name, err)
		}
	}
}

// envIncrChild, when set, makes TestIncrSeveralProcesses the child side:
// "<dialect> <table> [<sqlite file>]".
const envIncrChild = "LUAHOST_TEST_INCR_CHILD"

// Incr from three processes (this test binary, run again) on one table:
// no increment is lost.
func TestIncrSeveralProcesses(t *testing.T) {
	if spec := os.Getenv(envIncrChild); spec != "" {
		incrChild(t, strings.Fields(spec))
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	const procs, goroutines, ops = 3, 4, 100
	forEachDB(t, func(t *testing.T, b backend) {
		s := hosts(t, b, 1, Config{}, nil)[0]
		spec := string(s.db.Dialect()) + " " + s.cfg.Table
		if b.name == "sqlite" {
			var file string
			if err := s.db.DB().QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil {
				t.Fatal(err)
			}
			spec += " " + file
		}
		var cmds []*exec.Cmd
		outs := make([]bytes.Buffer, procs)
		for i := range procs {
			cmd := exec.CommandContext(ctx(t), os.Args[0], "-test.run=^TestIncrSeveralProcesses$", "-test.count=1")
			cmd.Env = append(os.Environ(), envIncrChild+"="+spec)
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, cmd)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Errorf("process %d: %v\n%s", i, err, outs[i].String())
			}
		}
		got, err := s.Get(ctx(t), "n")
		if err != nil {
			t.Fatal(err)
		}
		if want := backends.EncodeNumber(procs * goroutines * ops); !bytes.Equal(got, want) {
			n, _ := backends.DecodeNumber(got)
			t.Errorf("counter = %v, want %d", n, procs*goroutines*ops)
		}
	})
}

// incrChild runs 4 goroutines of 100 increments on the table spec names.
func incrChild(t *testing.T, spec []string) {
	cfg := sqldb.Config{Dialect: sqldb.Dialect(spec[0])}
	switch cfg.Dialect {
	case sqldb.SQLite:
		cfg.File = spec[2]
	case sqldb.Postgres:
		cfg.DSN = dbtest.PostgresDSN(t)
	default:
		cfg.DSN = dbtest.MySQLDSN(t)
	}
	s := newStore(t, openDB(t, cfg), Config{Table: spec[1]}, nil)
	c := ctx(t)
	var (
		wg   sync.WaitGroup
		errs collect
	)
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if _, err := s.Incr(c, "n", 1, backends.IncrOptions{}); err != nil {
					errs.add(err)
					return
				}
			}
		})
	}
	wg.Wait()
	errs.check(t)
}
