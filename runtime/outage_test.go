package runtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/internal/dbtest"
)

func outageRegistry(dsn string) string {
	return fmt.Sprintf(`
- name: db
  kind: db.sql.postgres
  dsn: %q
  lifecycle:
    auto_start: true
    start_timeout: 2s
    restart: {initial_delay: 50ms, max_delay: 200ms}
- name: kv
  kind: store.sql
  database: db
  table_name: kv_outage
  create_table: true
  lifecycle:
    auto_start: true
    restart: {initial_delay: 50ms, max_delay: 200ms}
`, dsn)
}

// TestDatabaseDownAtBoot boots with PostgreSQL stopped: the entries retry
// with backoff, store.get returns UNAVAILABLE meanwhile, and everything
// works once the server is up.
func TestDatabaseDownAtBoot(t *testing.T) {
	srv := dbtest.StartPostgres(t)
	srv.Stop(t)
	ctx := context.Background()
	rt, err := New(ctx, WithRegistryString("outage.yaml", outageRegistry(srv.DSN())))
	if err != nil {
		t.Fatalf("boot must not fail while the database is down: %v", err)
	}
	defer rt.Close(ctx)
	if st := rt.State("app:db"); st.Phase != Retrying || st.Attempts < 1 || st.LastError == nil {
		t.Fatalf("app:db: %s, want retrying with the last error", st)
	}
	got, err := rt.RunString(ctx, `
		local s, err = store.get("app:kv")
		return s == nil, err:kind(), err:retryable()`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[true Unavailable true]" {
		t.Errorf("store.get while down = %v", got)
	}

	srv.Start(t)
	waitRunning(t, rt, "app:kv", 15*time.Second)
	got, err = rt.RunString(ctx, `
		local s = assert(store.get("app:kv"))
		assert(s:set("k", "back"))
		return s:get("k")`)
	if err != nil || fmt.Sprint(got) != "[back]" {
		t.Fatalf("after the database came back: %v, %v", got, err)
	}
}

func waitRunning(t *testing.T, rt *Runtime, id string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for rt.State(id).Phase != Running {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s after %s", id, rt.State(id), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDatabaseGoesAwayMidScript stops PostgreSQL while a script holds a
// store: its calls return UNAVAILABLE within their deadline, the host keeps
// running, and the same script's calls succeed after the server returns.
func TestDatabaseGoesAwayMidScript(t *testing.T) {
	srv := dbtest.StartPostgres(t)
	ctx := context.Background()
	rt, err := New(ctx, WithRegistryString("outage.yaml", outageRegistry(srv.DSN())))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)

	// The script and the test take turns through step(name).
	toTest, toScript := make(chan string), make(chan struct{})
	rt.Preload("steps", func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int {
			toTest <- L.CheckString(1)
			<-toScript
			return 0
		}))
		return 1
	})
	type result struct {
		out []any
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := rt.RunString(ctx, `
			local step = require("steps")
			local s = assert(store.get("app:kv"))
			assert(s:set("k", "v1"))
			step("stop the server")
			local t0 = os.clock()
			local v, down = s:get("k")
			local ok, down2 = s:set("k", "v2")
			step("start the server")
			-- The pool reconnects; the first call after a restart may
			-- still see a dropped connection.
			local back, err
			for i = 1, 50 do
				back, err = s:get("k")
				if back then break end
			end
			return v, down:kind(), down:retryable(), ok, down2:kind(), back, tostring(err), down:message(), down2:message()`)
		done <- result{out, err}
	}()

	if got := <-toTest; got != "stop the server" {
		t.Fatal(got)
	}
	srv.Stop(t)
	start := time.Now()
	toScript <- struct{}{}
	if got := <-toTest; got != "start the server" {
		t.Fatal(got)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("calls against a stopped database took %s", took)
	}
	srv.Start(t)
	toScript <- struct{}{}
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := "[<nil> Unavailable true <nil> Unavailable v1 nil]"
	if got := fmt.Sprint(r.out[:7]); got != want {
		t.Errorf("script results %s, want %s", got, want)
	}
	// The driver's words vary; the message names the store and the call,
	// and gives the kind only in front, not again at the end.
	for i, op := range []string{"get", "set"} {
		msg := fmt.Sprint(r.out[7+i])
		if !strings.HasPrefix(msg, `store "app:kv": `+op+": ") || strings.Contains(msg, ": unavailable") {
			t.Errorf("%s while the database is down: message %q", op, msg)
		}
	}
	if st := rt.State("app:kv"); st.Phase != Running {
		t.Errorf("app:kv: %s", st)
	}
}
