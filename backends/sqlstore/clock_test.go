package sqlstore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
)

// TestExpiryClock: hosts whose clocks disagree share a table. On
// PostgreSQL and MySQL the database's clock decides every expiry (is a
// key live, what expiry a TTL gives, what TTL returns, what cleanup
// removes), so the hosts agree whatever their own clocks say. On SQLite,
// one host's file, the store's own clock decides.
func TestExpiryClock(t *testing.T) {
	ahead := func() time.Time { return time.Now().Add(30 * time.Second) }
	behind := func() time.Time { return time.Now().Add(-time.Hour) }
	forEachDB(t, func(t *testing.T, b backend) {
		for _, cfg := range []Config{{}, {VersionColumn: "version"}} {
			t.Run(fmt.Sprint("versioned=", cfg.VersionColumn != ""), func(t *testing.T) {
				stores := hosts(t, b, 3, cfg, nil)
				a, ahd, bhd := stores[0], stores[1], stores[2]
				ahd.now, bhd.now = ahead, behind // set before any use
				c := ctx(t)
				// about10s checks that key has about 10 s left, seen from s.
				about10s := func(s *Store, what, key string) {
					t.Helper()
					left, ok, err := s.TTL(c, key)
					if err != nil || !ok || left <= 8*time.Second || left > 10*time.Second {
						t.Errorf("%s: TTL = %v, %v, %v; want about 10s", what, left, ok, err)
					}
				}

				// A takes a lock for 10 s; the host 30 s ahead tries the same.
				if _, err := a.Put(c, "lock", []byte("A"), backends.PutOptions{TTL: 10 * time.Second, OnlyIfAbsent: true}); err != nil {
					t.Fatal(err)
				}
				it, err := ahd.Put(c, "lock", []byte("B"), backends.PutOptions{TTL: 10 * time.Second, OnlyIfAbsent: true})
				if !a.dbClock {
					// SQLite: the host's clock decides, and to it the lock has expired.
					if err != nil {
						t.Fatalf("SQLite: put only_if_absent by a host 30s ahead: %v; want it to win by its own clock", err)
					}
					if d := time.Until(it.ExpiresAt); d < 35*time.Second {
						t.Errorf("SQLite: ExpiresAt %v from now; want 40s by the host's clock", d)
					}
					return
				}
				if !errors.Is(err, backends.ErrAlreadyExists) {
					t.Fatalf("put only_if_absent by a host 30s ahead = %+v, %v; want ErrAlreadyExists", it, err)
				}
				for _, s := range stores {
					if v, err := s.Get(c, "lock"); err != nil || string(v) != "A" {
						t.Errorf("Get(lock) = %q, %v; want A on every host", v, err)
					}
				}
				about10s(ahd, "lock seen from the host ahead", "lock")
				about10s(bhd, "lock seen from the host behind", "lock")

				// Expiries written by skewed hosts count from the database's clock.
				it, err = ahd.Put(c, "put", []byte("v"), backends.PutOptions{TTL: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Until(it.ExpiresAt); d > 11*time.Second && (b.name == "postgres" || cfg.VersionColumn != "") {
					t.Errorf("Put by the host ahead: ExpiresAt %v from now; want about 10s (the database's)", d)
				}
				about10s(a, "put by the host ahead", "put")
				if err := ahd.Set(c, "set", []byte("v"), 10*time.Second); err != nil {
					t.Fatal(err)
				}
				about10s(a, "set by the host ahead", "set")
				if _, err := bhd.Incr(c, "n", 1, backends.IncrOptions{TTL: 10 * time.Second}); err != nil {
					t.Fatal(err)
				}
				about10s(a, "incr by the host behind", "n")
				if ok, err := bhd.Expire(c, "set", 10*time.Second); err != nil || !ok {
					t.Fatalf("Expire = %v, %v", ok, err)
				}
				about10s(a, "expire by the host behind", "set")
				if cfg.VersionColumn != "" {
					e, err := a.Entry(c, "put")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := bhd.Put(c, "put", []byte("w"), backends.PutOptions{TTL: 10 * time.Second, IfVersion: e.Version, HasIfVersion: true}); err != nil {
						t.Fatal(err)
					}
					about10s(a, "put if_version by the host behind", "put")
				}

				// The host ahead removes nothing live in cleanup.
				if n, err := ahd.Cleanup(c); err != nil || n != 0 {
					t.Errorf("Cleanup by the host ahead removed %d rows, %v; want 0", n, err)
				}

				// A short TTL set by the host behind expires on time for it.
				if err := bhd.Set(c, "short", []byte("v"), 200*time.Millisecond); err != nil {
					t.Fatal(err)
				}
				time.Sleep(250 * time.Millisecond)
				if _, err := bhd.Get(c, "short"); !errors.Is(err, backends.ErrNotFound) {
					t.Errorf("host behind: Get of an expired key: %v, want ErrNotFound", err)
				}
				if ok, err := bhd.Exists(c, "short"); err != nil || ok {
					t.Errorf("host behind: Exists of an expired key = %v, %v", ok, err)
				}
				page, err := bhd.List(c, backends.ListOptions{Prefix: "sh"})
				if err != nil || len(page.Items) != 0 {
					t.Errorf("host behind: List of an expired key = %+v, %v", page, err)
				}
				info, err := bhd.Info(c)
				if err != nil || info.Size != 4 { // lock, put, set, n
					t.Errorf("host behind: Info size = %d, %v; want 4", info.Size, err)
				}
				if n, err := bhd.Cleanup(c); err != nil || n != 1 {
					t.Errorf("Cleanup by the host behind removed %d rows, %v; want the one expired", n, err)
				}
			})
		}
	})
}

// TestExpiryBoundary writes rows whose expiry is the database's clock
// itself: such a row is expired at once (a row is live only while its
// expiry is after now), one a minute later is live, on every host.
func TestExpiryBoundary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		d := db.Dialect()
		if d == sqldb.SQLite {
			t.Skip("SQLite decides by the store's clock: TestTTL checks its boundary")
		}
		s := newStore(t, db, Config{}, func() time.Time { return time.Now().Add(-time.Hour) })
		c := ctx(t)
		now := dialectStatements[d].now
		q := d.Quote
		ins := fmt.Sprintf("INSERT INTO %s (%s, %s, %s) VALUES (%s, %s, %s + %s)", q(s.cfg.Table), q("key"), q("value"), q("expires_at"),
			d.Placeholder(1), d.Placeholder(2), now, d.Placeholder(3))
		st := s.st.Load()
		for _, tt := range []struct {
			key  string
			in   int64 // ms after the database's clock
			live bool
		}{
			{"now", 0, false},
			{"past", -1, false},
			{"minute", 60000, true},
		} {
			if _, err := db.DB().Exec(ins, st.keyArg(tt.key), []byte("v"), tt.in); err != nil {
				t.Fatal(err)
			}
			ok, err := s.Exists(c, tt.key)
			if err != nil || ok != tt.live {
				t.Errorf("%s: Exists = %v, %v; want %v", tt.key, ok, err, tt.live)
			}
			if _, err := s.Get(c, tt.key); (err == nil) != tt.live {
				t.Errorf("%s: Get error = %v; want live %v", tt.key, err, tt.live)
			}
			if ok, err := s.Delete(c, tt.key); err != nil || ok != tt.live {
				t.Errorf("%s: Delete = %v, %v; want %v", tt.key, ok, err, tt.live)
			}
		}
	})
}
