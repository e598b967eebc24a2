package luastd

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestYieldBoundaryBothWays checks that gopher-lua's call frames are where
// crossesGo reads them (a gopher-lua upgrade that moves them fails here),
// and that both ways of finding a Go boundary, the frames and the Go
// stack, agree on legal and refused yields.
func TestYieldBoundaryBothWays(t *testing.T) {
	if framePaths == nil {
		t.Fatal("gopher-lua's call frames lack a field crossesGo reads")
	}
	tests := []struct{ name, code, want string }{
		{"plain", `return coroutine.yield(1)`, "true"},
		{"nested Lua calls", `local function f() local function g() return coroutine.yield(1) end local x = g() return x end return f()`, "true"},
		{"__call", `return setmetatable({}, {__call = function() coroutine.yield() end})()`, "true"},
		{"pcall", `local ok, e = pcall(coroutine.yield) error(e, 0)`, "attempt to yield across metamethod/C-call boundary"},
		{"pcall of a Lua function", `local ok, e = pcall(function() coroutine.yield() end) error(e, 0)`, "attempt to yield across metamethod/C-call boundary"},
		{"__index", `local t = setmetatable({}, {__index = function() coroutine.yield() end}) return t.x`, "attempt to yield across metamethod/C-call boundary"},
		{"__add", `local t = setmetatable({}, {__add = function() coroutine.yield() end}) return t + 1`, "attempt to yield across metamethod/C-call boundary"},
		{"iterator", `for _ in function() coroutine.yield() end do end`, "attempt to yield across metamethod/C-call boundary"},
	}
	saved := framePaths
	defer func() { framePaths = saved }()
	for _, way := range []string{"frames", "Go stack"} {
		if way == "Go stack" {
			framePaths = nil
		}
		for _, tt := range tests {
			t.Run(way+"/"+tt.name, func(t *testing.T) {
				L := lua.NewState(Options())
				defer L.Close()
				for _, lib := range []lua.LGFunction{lua.OpenBase, lua.OpenCoroutine} {
					L.Push(L.NewFunction(lib))
					L.Call(0, 0)
				}
				Open(L)
				err := L.DoString(`local co = coroutine.create(function() ` + tt.code + ` end)
					local ok, e = coroutine.resume(co)
					if not ok then error(e, 0) end
					return true`)
				got := "true"
				if err != nil {
					got = err.Error()
				}
				if !strings.HasPrefix(got, tt.want) {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}
