package runtime_test

import (
	"context"
	goruntime "runtime"
	"sync"
	"testing"
)

// TestPoolDropsGrownStacks: a run that grows its state's stack far past
// the default, here by unpacking a million values, does not leave that
// stack allocated in the pool, charged to no run: after six concurrent
// such runs the heap is back near where it started, and the pool still
// serves runs.
func TestPoolDropsGrownStacks(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, memRegistry)
	const n = 1000000
	const grow = `local t = {} for i = 1, 1e6 do t[i] = i end
		local function count(...) return select("#", ...) end
		return count(unpack(t))`
	if _, err := rt.RunString(ctx, `return 1`); err != nil { // the pool holds a state
		t.Fatal(err)
	}
	before := heapAlloc()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			out, err := rt.RunString(ctx, grow)
			if err == nil && (len(out) != 1 || out[0] != int64(n)) {
				t.Errorf("run %d returned %v, want [%d]", i, out, n)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if out, err := rt.RunString(ctx, `return 2`); err != nil || len(out) != 1 {
		t.Fatalf("a run after them: %v, %v", out, err)
	}
	// Each grown stack holds at least 16 MB (a million 16-byte values).
	// (Measured after a further run: until then the heap may still hold
	// the last states closed, dropped or not.)
	if kept := int64(heapAlloc()) - int64(before); kept > 24<<20 {
		t.Errorf("the heap kept %d MiB after the runs ended, want under 24 MiB", kept>>20)
	}
}

// heapAlloc returns the bytes of live heap objects after a collection.
func heapAlloc() uint64 {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
