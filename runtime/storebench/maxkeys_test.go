package storebench_test

import (
	"context"
	goruntime "runtime"
	"sync"
	"testing"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/storebench"
)

// TestMaxKeysNoPerKeyMemory: a short run over MaxKeys keys allocates far
// less than a byte per key, at the Go level and at the Lua level (whose
// walk of keys drawn before timing is bounded whatever Keys is), and
// still deletes exactly the keys it wrote.
func TestMaxKeysNoPerKeyMemory(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory, max_size: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	tests := []struct {
		lua      bool
		clients  int
		maxBytes uint64 // allocated in all, whatever Keys is
	}{
		// Two bitmaps of written keys, 12.5 MB each, and small change.
		// A list of every key name would take over 3 GB.
		{lua: false, clients: 2, maxBytes: 32 << 20},
		// Plus, per client and phase, a walk of 4,194,304 key draws
		// and a Lua table naming the key at each (about 250 MB).
		{lua: true, clients: 1, maxBytes: 32<<20 + 2*300<<20},
	}
	for _, tc := range tests {
		if tc.lua && testing.Short() {
			t.Log("skipped at the Lua level: builds a walk of 4M keys per client")
			continue
		}
		var mu sync.Mutex
		deleted := map[string]int64{}
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		res, err := storebench.Run(ctx, rt, storebench.Config{
			Store: "app:cache", Ops: []storebench.Op{storebench.OpSet, storebench.OpIncr}, Keys: storebench.MaxKeys,
			ValueSize: 10, Clients: tc.clients, Requests: 100, Prefix: "bench:", ListLimit: 10, Lua: tc.lua, LuaBatch: 10,
			Progress: func(p storebench.Progress) {
				if p.Done {
					mu.Lock()
					defer mu.Unlock()
					deleted[p.Phase] = p.Ops
				}
			},
		})
		goruntime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("lua %v: %v", tc.lua, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > tc.maxBytes {
			t.Errorf("lua %v: allocated %d MB over %d keys, want at most %d MB", tc.lua, got>>20, storebench.MaxKeys, tc.maxBytes>>20)
		}
		if n := res.Failed(); n > 0 {
			t.Fatalf("lua %v: %d calls failed: %s", tc.lua, n, res.Phases[0].FirstError)
		}
		// 100 calls of each operation over 100M keys (the draws are
		// seeded per client: these never meet), and only those deleted.
		if deleted["delete keys"] != 100 || deleted["delete counters"] != 100 {
			t.Errorf("lua %v: deleted %d keys and %d counters, want the 100 of each written", tc.lua, deleted["delete keys"], deleted["delete counters"])
		}
		out, err := rt.RunString(ctx, `return store.get("app:cache"):info().size`)
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0].(int64); got != 0 {
			t.Errorf("lua %v: %d keys left behind", tc.lua, got)
		}
	}
}
