package runtime

import (
	"context"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// TestFailedRunClosesUpvalues checks that a run that fails leaves no
// upvalue open on its state's registers: a closure kept from it (in a
// session's globals) keeps its value when the next run reuses the
// registers, and a pooled state goes back to the pool with none open.
func TestFailedRunClosesUpvalues(t *testing.T) {
	rt := newSessionRuntime(t)
	ctx := context.Background()

	t.Run("session", func(t *testing.T) {
		s, err := rt.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		steps := []struct{ code, want string }{
			{`local x = "first"; keep = function() return x end; error("boom")`, "error"},
			{`local a, b, c, d = "second", "second", "second", "second"; return keep()`, "first"},
			{`local x = "third"; keep2 = function() return x end; local t = nil; return t.x`, "error"},
			{`local a, b, c, d = "fourth", "fourth", "fourth", "fourth"; return keep(), keep2()`, "first third"},
		}
		for i, st := range steps {
			out, err := run(t, s, st.code)
			got := "error"
			if err == nil {
				got = ""
				for j, v := range out {
					if j > 0 {
						got += " "
					}
					got += v.String()
				}
			}
			if got != st.want {
				t.Fatalf("step %d: got %q (%v), want %q", i+1, got, err, st.want)
			}
			if n := luastd.OpenUpvalues(s.L()); n != 0 {
				t.Fatalf("step %d: %d upvalues left open", i+1, n)
			}
		}
	})

	t.Run("pooled state", func(t *testing.T) {
		var states []*lua.LState
		look := func() {
			err := rt.Do(ctx, func(L *lua.LState) error {
				states = append(states, L)
				if n := luastd.OpenUpvalues(L); n != 0 {
					t.Errorf("run %d: state has %d upvalues left open", len(states), n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		look()
		for _, code := range []string{
			`local x = 1; f = function() return x end; error("boom")`,
			`local function g() local y = 2; h = function() return y end; error({}) end; g()`,
		} {
			if _, err := rt.RunString(ctx, code); err == nil {
				t.Fatalf("%s: want an error", code)
			}
			look()
		}
		if states[0] != states[1] || states[1] != states[2] {
			t.Fatal("the pool did not lend the same state again; the test checks nothing")
		}
	})
}
