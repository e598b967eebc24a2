package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/storesuite"
)

// resolver answers store.get for the suite from a fixed set of stores.
type resolver map[string]backends.Store

func (r resolver) Store(_ context.Context, id string) (backends.Store, error) {
	ns, name, ok := strings.Cut(id, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return nil, fmt.Errorf("store ID %q is not of the form namespace:name: %w", id, backends.ErrInvalid)
	}
	if s, ok := r[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("no entry %q: %w", id, backends.ErrNotFound)
}

// advanceFunc is the suite's Advance for s: nil where the database's
// clock decides expiry (the suite then sleeps).
func advanceFunc(s *Store, clk *testclock.Clock) func(time.Duration) {
	if s.dbClock {
		return nil
	}
	return clk.Advance
}

// TestSuite runs the shared Lua store suite against store.sql on every
// database, with and without a version column.
func TestSuite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		for _, versioned := range []bool{true, false} {
			name := "unversioned"
			cfg := Config{}
			if versioned {
				name, cfg.VersionColumn = "versioned", "version"
			}
			t.Run(name, func(t *testing.T) {
				// One pair of tables for every file: the suite clears
				// its store, and open clears both.
				clk := newClock()
				main := newStore(t, db, cfg, clk.Now)
				other := newStore(t, db, cfg, clk.Now)
				// MySQL's limit is max_allowed_packet (16 MiB by
				// default), small enough for the suite to reach.
				maxValue := 0
				if db.Dialect() == sqldb.MySQL {
					maxValue = main.st.Load().maxValue
				}
				storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
					for _, s := range []*Store{main, other} {
						if err := s.Clear(ctx(t)); err != nil {
							t.Fatal(err)
						}
					}
					return resolver{"app:cache": main, "app:other": other}, storesuite.Config{
						StoreID:      "app:cache",
						OtherStoreID: "app:other",
						MaxKeyLen:    MaxKeyLen,
						MaxValueSize: maxValue,
						Advance:      advanceFunc(main, clk),
						RealClock:    main.dbClock,
						Versioned:    versioned,
						Kind:         Kind,
						Backend:      string(db.Dialect()),
						Durable:      true,
					}
				})
			})
		}
	})
}
