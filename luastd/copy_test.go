package luastd_test

import (
	"context"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// TestLargeCopiesLookAtTheContext: string.reverse, string.rep, .. and
// table.concat look at the run's context at least once per MiB of their
// result as they build it, so that a run past its deadline stops within
// limits.md's 100 ms even in the middle of copying hundreds of MiB.
func TestLargeCopiesLookAtTheContext(t *testing.T) {
	const size = 32 << 20
	cases := []struct {
		name, code string
		out        int // the result's length, in bytes
	}{
		{"string.reverse", `return #s:reverse()`, size},
		{"string.rep twice", `return #s:rep(2)`, 2 * size},
		{"string.rep of a short string", `return #("ab"):rep(size / 2)`, size},
		{"a .. b", `return #(s .. s)`, 2 * size},
		{"a .. b .. c", `return #(s .. "," .. s)`, 2*size + 1},
		{"table.concat of one string", `return #table.concat({s})`, size},
		{"table.concat with a separator", `return #table.concat({s, s}, ",")`, 2*size + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			L := newState(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			L.SetContext(ctx)
			L.SetGlobal("s", lua.LString(strings.Repeat("x", size)))
			L.SetGlobal("size", lua.LNumber(size))
			fn, err := luastd.Load(L, c.code, "test")
			if err != nil {
				t.Fatal(err)
			}
			checks := luastd.CountChecks(t)
			L.Push(fn)
			if err := L.PCall(0, 1, nil); err != nil {
				t.Fatal(err)
			}
			if got := int(L.ToNumber(-1)); got != c.out {
				t.Fatalf("result of %d bytes, want %d", got, c.out)
			}
			if want := c.out >> 20; *checks < want {
				t.Fatalf("looked at the context %d times building %d MiB, want at least %d", *checks, c.out>>20, want)
			}
		})
	}
}

// BenchmarkSmallCopies times the functions of
// TestLargeCopiesLookAtTheContext on the short strings most scripts give
// them.
func BenchmarkSmallCopies(b *testing.B) {
	for _, bm := range []struct{ name, code string }{
		{"reverse", `return s:reverse()`},
		{"rep", `return s:rep(4)`},
		{"concat2", `return s .. s`},
		{"concat3", `return s .. "," .. s`},
		{"table.concat", `return table.concat(t, ",")`},
	} {
		b.Run(bm.name, func(b *testing.B) {
			L := newState(b)
			L.SetContext(context.Background())
			L.SetGlobal("s", lua.LString(strings.Repeat("abcdefgh", 8)))
			if err := L.DoString(`t = {} for i = 1, 16 do t[i] = s end`); err != nil {
				b.Fatal(err)
			}
			fn, err := luastd.Load(L, bm.code, "bench")
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				L.Push(fn)
				L.Call(0, 1)
				L.Pop(1)
			}
		})
	}
}
