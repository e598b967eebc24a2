package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
)

// TestOSClock checks what os.clock counts in luahost: the seconds since
// the run began, whichever way the script runs (Run, RunString on a
// pooled state, a Session), including time a call spends waiting, and
// never time from before the run.
func TestOSClock(t *testing.T) {
	ctx := context.Background()
	const wait = 150 * time.Millisecond
	rt := newRuntime(t, memRegistry)
	rt.Preload("wait", func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int {
			time.Sleep(wait)
			return 0
		}))
		return 1
	})
	// A script that reads os.clock at its start, around a wait, and
	// around a busy loop.
	const script = `
		local start = os.clock()
		local t0 = os.clock()
		require("wait")()
		local waited = os.clock() - t0
		t0 = os.clock()
		local x = 0
		for i = 1, 200000 do x = x + i end
		local busy = os.clock() - t0
		return start, waited, busy`
	check := func(t *testing.T, out []any) {
		t.Helper()
		start, waited, busy := out[0].(float64), out[1].(float64), out[2].(float64)
		if start < 0 || start > 0.1 {
			t.Errorf("os.clock() at the start of the run = %v, want close to 0", start)
		}
		if waited < wait.Seconds() || waited > wait.Seconds()+2 {
			t.Errorf("os.clock() across a %v wait advanced %v", wait, waited)
		}
		if busy <= 0 {
			t.Errorf("os.clock() across a loop advanced %v, want > 0", busy)
		}
	}
	toAny := func(vs []lua.LValue) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = float64(v.(lua.LNumber))
		}
		return out
	}
	t.Run("Run", func(t *testing.T) {
		vs, err := rt.Run(ctx, runtime.Script{Name: "clock.lua", Source: strings.NewReader(script)})
		if err != nil {
			t.Fatal(err)
		}
		check(t, toAny(vs))
	})
	t.Run("pooled state", func(t *testing.T) {
		// The second run borrows the state the first one used, after a
		// pause: its clock starts again.
		for range 2 {
			out, err := rt.RunString(ctx, script)
			if err != nil {
				t.Fatal(err)
			}
			check(t, out)
			time.Sleep(wait)
		}
	})
	t.Run("session", func(t *testing.T) {
		s, err := rt.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// A session is one run: its clock goes on across calls, as the
		// REPL's does across lines.
		call := func(src string) float64 {
			fn, err := s.L().LoadString(src)
			if err != nil {
				t.Fatal(err)
			}
			vs, err := s.Call(ctx, fn)
			if err != nil {
				t.Fatal(err)
			}
			return float64(vs[0].(lua.LNumber))
		}
		first := call(`t0 = os.clock() return t0`)
		time.Sleep(wait)
		if d := call(`return os.clock() - t0`); d < wait.Seconds() {
			t.Errorf("os.clock() across two calls %v apart advanced %v", wait, d)
		}
		if first > 0.1 {
			t.Errorf("os.clock() in a new session = %v, want close to 0", first)
		}
	})
}
