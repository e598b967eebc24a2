package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
)

// TestConcurrentScripts runs 100 goroutines of scripts at once against a
// memory store and a SQLite store. Each goroutine owns its keys and does a
// read-modify-write per run, so every final value is exact without an
// atomic increment; a lost or doubled write shows up as a wrong count.
func TestConcurrentScripts(t *testing.T) {
	const goroutines, runs = 100, 12
	ctx := context.Background()
	rt := newRuntime(t, fmt.Sprintf(`
- {name: mem, kind: store.memory}
- {name: db, kind: db.sql.sqlite, file: %q}
- {name: sql, kind: store.sql, database: db, table_name: counters, create_table: true}
`, filepath.Join(t.TempDir(), "counters.db")))
	stores := []string{"app:mem", "app:sql"}
	// incr reads the key (missing means 0), adds one and writes it back,
	// in the store given as the first vararg.
	const incr = `
local s = assert(store.get(%q))
local v, err = s:get(%q)
if err then
  if err:kind() ~= errors.NOT_FOUND then error(err) end
  v = 0
end
assert(s:set(%q, v + 1))
return v + 1`

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			key := fmt.Sprintf("g%03d", g)
			for i := range runs {
				for _, id := range stores {
					code := fmt.Sprintf(incr, id, key, key)
					var err error
					var got int64
					// Mix the three ways to run a script.
					switch i % 3 {
					case 0:
						var res []any
						res, err = rt.RunString(ctx, code)
						if err == nil {
							got = res[0].(int64)
						}
					case 1:
						var res []lua.LValue
						res, err = rt.Run(ctx, runtime.Script{Name: key, Source: strings.NewReader(code)})
						if err == nil {
							got = int64(res[0].(lua.LNumber))
						}
					case 2:
						err = rt.Do(ctx, func(L *lua.LState) error {
							if err := L.DoString(code); err != nil {
								return err
							}
							got = int64(L.Get(-1).(lua.LNumber))
							L.Pop(1)
							return nil
						})
					}
					if err != nil {
						errs <- fmt.Errorf("%s run %d on %s: %w", key, i, id, err)
						return
					}
					if got != int64(i+1) {
						errs <- fmt.Errorf("%s run %d on %s: counter is %d, want %d", key, i, id, got, i+1)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every key of every store holds exactly the number of runs, read from
	// Go through the typed API.
	for _, id := range stores {
		kv, err := rt.Store(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for g := range goroutines {
			var n int
			if err := kv.Get(ctx, fmt.Sprintf("g%03d", g), &n); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if n != runs {
				t.Errorf("%s g%03d = %d, want %d", id, g, n, runs)
			}
		}
	}
}

// TestRuntimesShareNothing checks that two runtimes built from the same
// registry text keep separate stores, modules and lifecycles.
func TestRuntimesShareNothing(t *testing.T) {
	ctx := context.Background()
	const reg = `
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
- {name: db, kind: db.sql.sqlite, file: ":memory:"}
- {name: kv, kind: store.sql, database: db, table_name: kv, create_table: true}
`
	a, err := runtime.New(ctx, runtime.WithRegistryString("r.yaml", reg))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b := newRuntime(t, reg)

	a.Preload("only_a", func(L *lua.LState) int { L.Push(lua.LString("a")); return 1 })
	for _, id := range []string{"app:cache", "app:kv"} {
		if _, err := a.RunString(ctx, fmt.Sprintf(`assert(store.get(%q):set("k", "from a"))`, id)); err != nil {
			t.Fatal(err)
		}
		kvb, err := b.Store(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := kvb.Get(ctx, "k", &v); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("%s: b sees %q, %v; want ErrNotFound", id, v, err)
		}
		res, err := b.RunString(ctx, fmt.Sprintf(`local v, err = store.get(%q):get("k") return err:kind()`, id))
		if err != nil || len(res) != 1 || res[0] != "NotFound" {
			t.Errorf("%s: script in b = %v, %v; want NotFound", id, res, err)
		}
	}
	if _, err := a.RunString(ctx, `return require("only_a")`); err != nil {
		t.Errorf("a cannot require its module: %v", err)
	}
	if _, err := b.RunString(ctx, `return require("only_a")`); err == nil {
		t.Error("b can require a's module")
	}

	// Closing a leaves b working.
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.State("app:cache").Phase; got != runtime.Stopped {
		t.Errorf("a's cache is %s after Close", got)
	}
	if _, err := a.Store(ctx, "app:cache"); !errors.Is(err, runtime.ErrUnavailable) {
		t.Errorf("a.Store after Close = %v, want ErrUnavailable", err)
	}
	if got := b.State("app:cache").Phase; got != runtime.Running {
		t.Errorf("b's cache is %s after a closed", got)
	}
	res, err := b.RunString(ctx, `local s = store.get("app:kv"); assert(s:set("k", "from b")); return (s:get("k"))`)
	if err != nil || len(res) != 1 || res[0] != "from b" {
		t.Errorf("b after a closed: %v, %v", res, err)
	}
}
