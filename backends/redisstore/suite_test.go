package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/redisdb"
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

// runSuite runs the shared Lua store suite on two stores of db.
func runSuite(t *testing.T, db redisdb.DB) {
	main, other := newStore(t, db, Options{}), newStore(t, db, Options{})
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
			Versioned:    true,
			Kind:         Kind,
			Backend:      "redis",
			Durable:      main.info.Durable,
			RealClock:    true, // Redis expires keys on the server's clock
		}
	})
}

// TestSuite runs the shared Lua store suite against store.redis on the
// shared standalone server.
func TestSuite(t *testing.T) {
	runSuite(t, sharedDB(t))
}
