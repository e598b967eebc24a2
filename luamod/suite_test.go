package luamod_test

import (
	"testing"
	"time"

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
		}
	})
}

// TestSuiteKeyLimit runs the suite against stores with key and value size
// limits and real time, as SQL backends have.
func TestSuiteKeyLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps for real")
	}
	storesuite.Run(t, func(t *testing.T) (luamod.Resolver, storesuite.Config) {
		mk := func() *memStore {
			s := newMemStore(time.Now)
			s.maxKeyLen = 255
			s.maxValue = 65535
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
		}
	})
}
