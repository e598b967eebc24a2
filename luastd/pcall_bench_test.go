package luastd_test

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// benchChunk runs code, a chunk returning a function, and times calls of
// that function from Go with n as its argument.
func benchChunk(b *testing.B, code string) {
	L := newState(b)
	fn, err := luastd.Load(L, code, "bench")
	if err != nil {
		b.Fatal(err)
	}
	L.Push(fn)
	L.Call(0, 1)
	f := L.Get(-1)
	L.Pop(1)
	b.ResetTimer()
	for b.Loop() {
		L.Push(f)
		L.Push(lua.LNumber(1000))
		L.Call(1, 0)
	}
}

// The success paths of pcall, xpcall and coroutine resume, which the
// wording of errors must not slow down, and the error paths.
func BenchmarkPCall(b *testing.B) {
	benchChunk(b, `local function f() return 1 end
		return function(n) for i = 1, n do pcall(f) end end`)
}

func BenchmarkXPCall(b *testing.B) {
	benchChunk(b, `local function f() return 1 end
		local function h(m) return m end
		return function(n) for i = 1, n do xpcall(f, h) end end`)
}

func BenchmarkResume(b *testing.B) {
	benchChunk(b, `local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)
		return function(n) for i = 1, n do co() end end`)
}

func BenchmarkPCallIndexError(b *testing.B) {
	benchChunk(b, `local function f() local t; return t.x end
		return function(n) for i = 1, n do pcall(f) end end`)
}

func BenchmarkPCallErrorCall(b *testing.B) {
	benchChunk(b, `return function(n) for i = 1, n do pcall(error, "x") end end`)
}
