package runtime

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/internal/testclock"
	"github.com/luahost/luahost/registry"
)

// TestCloseLeavesNoGoroutines boots a memory store with its cleanup loop,
// a SQLite store and an entry stuck retrying, uses them, and checks that
// Close leaves nothing running.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	db := filepath.Join(t.TempDir(), "kv.db")
	clk := testclock.New()
	rt, err := New(context.Background(), WithClock(clk), WithRegistryString("leak.yaml", `
- {name: cache, kind: store.memory, cleanup_interval: 100ms, lifecycle: {auto_start: true}}
- {name: db, kind: db.sql.sqlite, file: `+db+`}
- {name: kv, kind: store.sql, database: db, table_name: kv, create_table: true, cleanup_interval: 100ms}
- name: down
  kind: db.sql.postgres
  dsn: "postgres://nobody@127.0.0.1:1/none?connect_timeout=1"
  lifecycle: {auto_start: true, restart: {initial_delay: 10ms, max_delay: 20ms}}
`))
	if err != nil {
		t.Fatal(err)
	}
	// Boot waited for app:down's first attempt; its retry is due.
	if st := rt.State("app:down"); st.Phase != Retrying || st.Attempts != 1 {
		t.Fatalf("app:down after boot: %s, want retrying", st)
	}
	if _, err := rt.RunString(context.Background(), `
		for _, id in ipairs({"app:cache", "app:kv"}) do
			local s = assert(store.get(id))
			assert(s:set("k", "v", 0.001))
		end`); err != nil {
		t.Fatal(err)
	}
	// Close while the retry may be in flight.
	clk.Advance(20 * time.Millisecond)
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"app:cache", "app:db", "app:kv", "app:down"} {
		if st := rt.State(id); st.Phase != Stopped {
			t.Errorf("%s after Close: %s", id, st)
		}
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRegistryErrorsReachTheCaller(t *testing.T) {
	_, err := New(context.Background(), WithRegistryString("bad.yaml", "- {name: x, kind: store.memory, max_size: -1}\n"))
	var re *registry.Error
	if !errors.As(err, &re) || len(re.Problems) != 1 {
		t.Fatalf("err = %v, want one registry problem", err)
	}
	if got := re.Problems[0].Error(); got != "bad.yaml:1:43: app:x: max_size: must not be negative, got -1" {
		t.Errorf("problem %q", got)
	}
}

// TestAssertKeepsTheDeadline: an assert that fails with an error value
// inside pcall must not lift the script's time limit.
func TestAssertKeepsTheDeadline(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("t.yaml", "[]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = rt.RunString(ctx, `
		local ok = pcall(function() assert(store.get("app:nope")) end)
		assert(not ok)
		while true do end`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
}
