package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/runtime"
)

// TestRawHandleAcrossMemoryStoreRestarts holds one Raw store (a long-lived
// proxy, as a Lua handle is) across reload restarts of a memory store,
// under concurrent calls: no call may return ErrFenced, and after each
// reload the old proxy reaches the new instance.
func TestRawHandleAcrossMemoryStoreRestarts(t *testing.T) {
	ctx := context.Background()
	rt, kv, restart := restartingMemStore(t)
	raw, err := kv.Raw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bg := raw.(backends.BufferGetter)
	x := raw.(backends.Extended)
	var stop atomic.Bool
	var fenced atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			var buf [16]byte
			key := fmt.Sprintf("g%d", g)
			for !stop.Load() {
				errs := []error{raw.Set(ctx, key, []byte("\xa1x"), 0)}
				_, _, err := bg.GetStringBuf(ctx, key, buf[:])
				errs = append(errs, err)
				_, err = x.Incr(ctx, key+"n", 1, backends.IncrOptions{})
				errs = append(errs, err)
				_, err = x.List(ctx, backends.ListOptions{})
				errs = append(errs, err)
				errs = append(errs, raw.Clear(ctx))
				for _, err := range errs {
					if errors.Is(err, backends.ErrFenced) || err != nil && err.Error() == backends.ErrFenced.Error() {
						fenced.Add(1)
					}
				}
			}
		})
	}
	for i := 1; i <= 30; i++ {
		restart(i)
		if err := raw.Set(ctx, fmt.Sprintf("after%d", i), []byte("\xa1y"), 0); err != nil {
			t.Fatalf("after reload %d: %v", i, err)
		}
		if i > 1 {
			if ok, err := raw.Exists(ctx, fmt.Sprintf("after%d", i-1)); ok || err != nil {
				// a Clear may have removed it too; only a survivor is wrong
				t.Fatalf("after reload %d: the old proxy reached the previous instance (%v, %v)", i, ok, err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := fenced.Load(); n > 0 {
		t.Errorf("%d calls returned ErrFenced", n)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := raw.Set(ctx, "late", []byte("\xa1z"), 0); err == nil || errors.Is(err, backends.ErrFenced) {
		t.Errorf("Set after Close: %v, want UNAVAILABLE without the fence", err)
	} else {
		t.Logf("after Close: %v", err)
	}
}

// restartingMemStore returns a runtime with a memory store app:mem, its
// KV, and restart(i), which reloads the registry so that app:mem restarts
// (its cleanup_interval alternates) and fails the test otherwise.
func restartingMemStore(t *testing.T) (*runtime.Runtime, *runtime.KV, func(i int)) {
	t.Helper()
	reg := func(i int) string {
		return fmt.Sprintf("- {name: mem, kind: store.memory, cleanup_interval: %q, lifecycle: {auto_start: true}}\n", []string{"0s", "1m"}[i%2])
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", reg(0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(ctx) })
	kv, err := rt.Store(ctx, "app:mem")
	if err != nil {
		t.Fatal(err)
	}
	restart := func(i int) {
		t.Helper()
		rep, err := rt.Reload(ctx, runtime.WithRegistryString("reg.yaml", reg(i)))
		if err != nil || !slices.Equal(rep.Restarted, []string{"app:mem"}) {
			t.Fatalf("reload %d: %+v, %v", i, rep, err)
		}
	}
	return rt, kv, restart
}
