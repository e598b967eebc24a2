package runtime_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/runtime"
)

// reloadScript is loaded once per session. bump(key) does one
// read-modify-write of key on every store through handles taken once, and
// returns "ok", or "retry" after an UNAVAILABLE error that says to retry
// (the documented answer while a reload restarts the entry): the caller
// then calls it again. Any other error is raised. Each goroutine owns its
// keys, so an exact final count proves that no write was lost or doubled.
const reloadScript = `
handles = {}
for i, id in ipairs({"app:mem", "app:sqlkv", "app:pgkv"}) do
  local h, err = store.get(id)
  if not h then error(err) end
  handles[i] = h
end
done = {0, 0, 0}  -- per store: read-modify-writes finished
function bump(key, want)
  for i, h in ipairs(handles) do
    if done[i] < want then
      local v, err = h:get(key)
      if err and err:kind() == errors.NOT_FOUND then v, err = 0, nil end
      if not err then
        if v ~= done[i] then error(("store %d key %s holds %s, want %d"):format(i, key, tostring(v), done[i])) end
        local ok
        ok, err = h:set(key, v + 1)
        if ok then done[i] = v + 1 end
      end
      if err then
        if err:kind() ~= errors.UNAVAILABLE or not err:retryable() then error(err) end
        return "retry " .. tostring(err)
      end
    end
  end
  return "ok"
end
`

const reloadRegistry = `
- {name: mem, kind: store.memory, lifecycle: {auto_start: true}}
- {name: sqlite, kind: db.sql.sqlite, file: %q}
- {name: sqlkv, kind: store.sql, database: sqlite, table_name: kv, create_table: true, cleanup_interval: %q, lifecycle: {auto_start: true, start_timeout: 60s, stop_timeout: 60s}}
- {name: pg, kind: db.sql.postgres, dsn: %q, pool: {max_open: %d}, lifecycle: {start_timeout: 60s, stop_timeout: 60s}}
- {name: pgkv, kind: store.sql, database: pg, table_name: %s, create_table: true, lifecycle: {auto_start: true, start_timeout: 60s, stop_timeout: 60s}}
`

// TestReloadUnderLoad runs 100 goroutines of store scripts on a memory,
// a SQLite and a PostgreSQL store while 50 reloads restart the SQL stores
// and the PostgreSQL pool. The memory store is kept by every reload, so
// its counts survive; the SQL ones restart around their data. Every count
// is exact, and the only errors scripts see are retryable UNAVAILABLE.
func TestReloadUnderLoad(t *testing.T) {
	const goroutines, reloads, minRounds = 100, 50, 3
	dsn := dbtest.PostgresDSN(t)
	table := dbtest.TableName(t)
	pgdb, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgdb.Close() })
	dbtest.DropOnCleanup(t, pgdb, `"`+table+`"`)
	file := filepath.Join(t.TempDir(), "kv.db")
	registryText := func(i int) string {
		return fmt.Sprintf(reloadRegistry, file, []string{"0s", "1m"}[i%2], dsn, 20+i%2, table)
	}

	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", registryText(0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(ctx); err != nil {
			t.Error(err)
		}
	})

	var msgs sync.Map
	var took []time.Duration
	var reloadsDone atomic.Bool
	var retries atomic.Int64
	rounds := make([]int, goroutines)
	errs := make(chan error, goroutines+1)
	var wg, ready sync.WaitGroup
	ready.Add(goroutines)
	for g := range goroutines {
		wg.Go(func() {
			setup := sync.OnceFunc(ready.Done)
			defer setup()
			s, err := rt.NewSession()
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			L := s.L()
			call := func(code string, args ...lua.LValue) (string, error) {
				fn, err := L.LoadString(code)
				if err != nil {
					return "", err
				}
				res, err := s.Call(ctx, fn, args...)
				if err != nil || len(res) == 0 {
					return "", err
				}
				return lua.LVAsString(res[0]), nil
			}
			for {
				_, err := call(reloadScript)
				if err == nil {
					break
				}
				// store.get may meet a restart too.
				if !errors.Is(err, runtime.ErrUnavailable) {
					errs <- fmt.Errorf("goroutine %d: setup: %w", g, err)
					return
				}
				retries.Add(1)
				time.Sleep(time.Millisecond)
			}
			setup()
			key := lua.LString(fmt.Sprintf("g%03d", g))
			for n := 1; n <= minRounds || !reloadsDone.Load(); n++ {
				for {
					got, err := call(`return bump(...)`, key, lua.LNumber(n))
					if err != nil {
						errs <- fmt.Errorf("goroutine %d round %d: %w", g, n, err)
						return
					}
					if got == "ok" {
						break
					}
					msgs.Store(got[:min(len(got), 90)], true)
					retries.Add(1)
					time.Sleep(5 * time.Millisecond) // let the restart finish
				}
				rounds[g] = n
			}
		})
	}

	ready.Wait() // every goroutine holds its handles
	want := &runtime.Report{Kept: []string{"app:mem", "app:sqlite"}, Restarted: []string{"app:pg", "app:pgkv", "app:sqlkv"}}
	for i := 1; i <= reloads; i++ {
		t0 := time.Now()
		rep, err := rt.Reload(ctx, runtime.WithRegistryString("reg.yaml", registryText(i)))
		took = append(took, time.Since(t0))
		if err != nil {
			errs <- fmt.Errorf("reload %d: %w", i, err)
			break
		}
		if !reflect.DeepEqual(rep, want) {
			errs <- fmt.Errorf("reload %d: report %+v, want %+v; failures: %v", i, rep, want, rep.Err())
			break
		}
	}
	reloadsDone.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	// Every count is exact, read from Go through the same stores.
	total := 0
	for _, id := range []string{"app:mem", "app:sqlkv", "app:pgkv"} {
		kv, err := rt.Store(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for g := range goroutines {
			var n int
			if err := kv.Get(ctx, fmt.Sprintf("g%03d", g), &n); err != nil {
				t.Fatalf("%s g%03d: %v", id, g, err)
			}
			if n != rounds[g] {
				t.Errorf("%s g%03d = %d, want %d", id, g, n, rounds[g])
			}
			total += n
		}
	}
	slices.Sort(took)
	t.Logf("reload time: median %s, max %s", took[len(took)/2], took[len(took)-1])
	msgs.Range(func(k, v any) bool { t.Log("retried after: ", k); return true })
	t.Logf("%d read-modify-writes across %d reloads, %d UNAVAILABLE retries", total, reloads, retries.Load())
}

// TestReloadRestartsMemoryStoreUnderCalls restarts a memory store (a
// store that fences itself instead of counting calls) 30 times while
// goroutines call it through handles taken before the first reload. Calls
// never see the fence of a run that ended: each succeeds, finds its key
// gone with the old instance, or is UNAVAILABLE and retryable. After each
// reload the old handles reach the new instance.
func TestReloadRestartsMemoryStoreUnderCalls(t *testing.T) {
	const goroutines, reloads = 4, 30
	ctx := context.Background()
	_, kv, restart := restartingMemStore(t)
	var stop atomic.Bool
	var calls, unavailable atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			key := fmt.Sprintf("g%d", g)
			for n := 0; !stop.Load(); n++ {
				err := kv.Set(ctx, key, n, 0)
				if err == nil {
					var got int
					err = kv.Get(ctx, key, &got)
					if errors.Is(err, runtime.ErrNotFound) {
						err = nil // a restart between the two calls
					}
				}
				calls.Add(1)
				switch {
				case err == nil:
				case errors.Is(err, runtime.ErrUnavailable) && !strings.Contains(err.Error(), backends.ErrFenced.Error()):
					unavailable.Add(1)
				default:
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		})
	}
	for i := 1; i <= reloads; i++ {
		restart(i)
		key := fmt.Sprintf("after%d", i)
		if err := kv.Set(ctx, key, i, 0); err != nil {
			t.Fatalf("after reload %d: %v", i, err)
		}
		var got int
		if err := kv.Get(ctx, key, &got); err != nil || got != i {
			t.Fatalf("after reload %d: read %d, %v", i, got, err)
		}
		if i > 1 {
			// The key written after the previous reload went with the old instance.
			if ok, err := kv.Exists(ctx, fmt.Sprintf("after%d", i-1)); ok || err != nil {
				t.Fatalf("after reload %d: the previous instance's key is still there (%v, %v)", i, ok, err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d calls, %d UNAVAILABLE", calls.Load(), unavailable.Load())
}
