package luamod_test

import (
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/storesuite"
)

// TestSuite runs the shared store suite against the test-only memory store.
func TestSuite(t *testing.T) {
	storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
		clock := newFakeClock()
		full := newMemStore(clock.Now)
		full.maxSize = 3
		res := &memResolver{
			stores: map[string]backends.Store{
				"app:cache": newMemStore(clock.Now),
				"app:other": newMemStore(clock.Now),
				"app:small": full,
			},
			nonStore: map[string]string{"app:db": "db.sql.sqlite"},
		}
		return res, storesuite.Config{
			StoreID:      "app:cache",
			OtherStoreID: "app:other",
			FullStoreID:  "app:small",
			MaxSize:      3,
			NonStoreID:   "app:db",
			Advance:      clock.Advance,
			Versioned:    true,
			Kind:         "test.memory",
			Backend:      "memory",
		}
	})
}

// TestSuiteKeyLimit runs the suite against stores with key and value size
// limits and no versions, as SQL backends may have.
func TestSuiteKeyLimit(t *testing.T) {
	storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
		clock := newFakeClock()
		mk := func() *memStore {
			s := newMemStore(clock.Now)
			s.maxKeyLen = 255
			s.maxValue = 65535
			s.unversioned = true
			return s
		}
		full := mk()
		full.maxSize = 2
		res := &memResolver{stores: map[string]backends.Store{
			"app:cache": mk(), "app:other": mk(), "app:small": full,
		}}
		return res, storesuite.Config{
			StoreID:      "app:cache",
			OtherStoreID: "app:other",
			FullStoreID:  "app:small",
			MaxSize:      2,
			MaxKeyLen:    255,
			MaxValueSize: 65535,
			Advance:      clock.Advance,
		}
	})
}

// coreStore hides every method but the core ones of the store it holds.
type coreStore struct{ backends.Store }

// TestSuiteCoreOnly runs the suite against stores without the extended
// methods.
func TestSuiteCoreOnly(t *testing.T) {
	storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
		clock := newFakeClock()
		res := &memResolver{stores: map[string]backends.Store{
			"app:cache": coreStore{newMemStore(clock.Now)},
			"app:other": coreStore{newMemStore(clock.Now)},
		}}
		return res, storesuite.Config{
			StoreID:      "app:cache",
			OtherStoreID: "app:other",
			Advance:      clock.Advance,
			CoreOnly:     true,
		}
	})
}
