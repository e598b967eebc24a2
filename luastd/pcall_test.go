package luastd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// TestPCallUpvalues checks that pcall and xpcall keep closures bound to
// the right variables, as in Lua 5.1: an error inside a protected call
// detaches no closure of a frame outside it, and closures of the frames
// it unwinds keep the values their variables had, whatever later calls
// put in the same registers.
func TestPCallUpvalues(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"outer closure after pcall of a Go error", `
			local d = 0
			local function g() return d end
			pcall(error, "a")
			pcall(function() error("y") end)
			d = 6
			return g()`, "6"},
		{"outer closure after a runtime error", `
			local d = 0
			local function g() return d end
			pcall(function() local t = nil; return t.x end)
			d = 7
			return g()`, "7"},
		{"unwound closure keeps its value", `
			local f
			pcall(function() local x = 1; f = function() return x end; error("e") end)
			local function h(a, b, c, d) local p, q, r = 10, 20, 30; return f() end
			return h(5, 6, 7, 8)`, "1"},
		{"unwound closure sees the last assignment", `
			local f
			pcall(function() local x = 1; f = function() return x end; x = 2; error("e") end)
			local a, b, c, d, e = "a", "b", "c", "d", "e"
			return f()`, "2"},
		{"unwound closures share their variable", `
			local get, set
			pcall(function()
				local x = 1
				get = function() return x end
				set = function(v) x = v end
				error({})
			end)
			local p, q, r = 10, 20, 30
			set(5)
			return get(), p, q, r`, "5\t10\t20\t30"},
		{"nested pcall", `
			local d = 0
			local function g() return d end
			local inner
			local ok = pcall(function()
				local y = 1
				local function gy() return y end
				pcall(function() local z = 3; inner = function() return z end; error("in") end)
				y = 2
				local a, b, c = 7, 8, 9
				if gy() ~= 2 then error("inner pcall detached y") end
				error("out")
			end)
			d = 4
			local a, b, c, e = 1, 1, 1, 1
			return ok, g(), inner()`, "false\t4\t3"},
		{"xpcall with handler", `
			local d = 0
			local function g() return d end
			local f
			local ok, msg = xpcall(function()
				local x = "kept"
				f = function() return x end
				error("boom", 0)
			end, function(m) return "handled " .. m .. " " .. f() end)
			d = 1
			local a, b, c = 1, 2, 3
			return ok, msg, f(), g()`, "false\thandled boom kept\tkept\t1"},
		{"xpcall handler that fails", `
			local d = 0
			local function g() return d end
			local ok, msg = xpcall(function() error("x") end, function() error("y") end)
			d = 2
			return ok, msg, g()`, "false\terror in error handling\t2"},
		{"error object table", `
			local d = 0
			local function g() return d end
			local f
			local e = {code = 42}
			local ok, got = pcall(function() local x = 9; f = function() return x end; error(e) end)
			d = 3
			local a, b, c = 0, 0, 0
			return ok, got == e, got.code, f(), g()`, "false\ttrue\t42\t9\t3"},
		{"error from a Go function", `
			local d = 0
			local function g() return d end
			local ok, msg = pcall(string.rep)
			d = 5
			return ok, type(msg), g()`, "false\tstring\t5"},
		{"error in a metamethod", `
			local d = 0
			local function g() return d end
			local f
			local t = setmetatable({}, {__index = function() local x = 8; f = function() return x end; error("idx") end})
			pcall(function() return t.k end)
			d = 9
			local a, b, c, e = 1, 2, 3, 4
			return g(), f()`, "9\t8"},
		{"pcall inside a coroutine", `
			local co = coroutine.create(function()
				local d = 0
				local function g() return d end
				local f
				pcall(function() local x = 1; f = function() return x end; error("e") end)
				d = coroutine.yield()
				local a, b, c = 10, 20, 30
				return g(), f()
			end)
			coroutine.resume(co)
			return select(2, coroutine.resume(co, 6))`, "6\t1"},
		{"many iterations", `
			local fs = {}
			local n = 0
			local function count() return n end
			for i = 1, 500 do
				pcall(function() local v = i; fs[i] = function() return v end; error(i) end)
				n = n + 1
			end
			local sum = 0
			for i = 1, 500 do
				local a, b, c = -1, -1, -1
				sum = sum + fs[i]()
			end
			return sum, count()`, "125250\t500"},
		{"results of a successful call", `
			local ok, a, b, c = pcall(function(x, y) return x + y, nil, "z" end, 1, 2)
			return ok, a, b, c, select("#", pcall(function() return 1, nil end))`, "true\t3\tnil\tz\t3"},
		{"pcall of a value that is not callable", `return pcall(1)`, "false\tattempt to call a number value"},
		{"xpcall of a value that is not callable", `return xpcall({}, function(m) return "h: " .. m end)`, "false\th: attempt to call a table value"},
		{"xpcall handler that is not a function", `return xpcall(error, 5)`, "false\terror in error handling"},
		{"xpcall passes no arguments", `return xpcall(function(...) return select("#", ...) end, print, 1, 2)`, "true\t0"},
		{"stack overflow keeps outer closures", `
			local x = 1
			local get = function() return x end
			local function rec(n) return rec(n + 1) + 1 end
			local ok, msg = pcall(rec, 1)
			x = 2
			return ok, msg, get()`, "false\ttest:4: stack overflow\t2"},
		{"xpcall handler runs after a stack overflow", `
			local x = 1
			local get = function() return x end
			local function rec(n) return rec(n + 1) + 1 end
			local ok, msg = xpcall(function() return rec(1) end, function(m) return "H:" .. m end)
			x = 2
			return ok, msg, get()`, "false\tH:test:4: stack overflow\t2"},
		{"xpcall handler sees the overflowed stack", `
			local function rec(n) return rec(n + 1) + 1 end
			return xpcall(function() return rec(1) end, function() return debug.getinfo(2, "n").name end)`, "false\trec"},
		{"xpcall handler that overflows the stack", `
			local function rec(n) return rec(n + 1) + 1 end
			return xpcall(function() return rec(1) end, function() return rec(1) end)`, "false\terror in error handling"},
		{"unwound closure keeps its value after a stack overflow", `
			local function rec(n) return rec(n + 1) + 1 end
			local f
			pcall(function() local v = 7; f = function() return v end; rec(1) end)
			local a, b, c = 10, 20, 30
			return f(), a, b, c`, "7\t10\t20\t30"},
		{"stack overflow in a coroutine", `
			local function rec(n) return rec(n + 1) + 1 end
			local co = coroutine.create(function()
				local z = 1
				local gz = function() return z end
				local ok = pcall(rec, 1)
				z = coroutine.yield(ok)
				return gz()
			end)
			local _, ok = coroutine.resume(co)
			return ok, select(2, coroutine.resume(co, 5))`, "false\t5"},
		{"stack overflow near the call-stack limit", `
			local function rec(n) return rec(n + 1) + 1 end
			local function deep(n, g) if n == 0 then return g() end return (deep(n - 1, g)) end
			local x = 0
			local gx = function() return x end
			for d = 1, 300 do
				pcall(deep, d, function() return xpcall(function() return rec(1) end, function(m) return m end) end)
			end
			x = 1
			return gx()`, "1"},
		{"pcall with __call", `return pcall(setmetatable({}, {__call = function(self, a) return a end}), 4)`, "true\t4"},
	}
	// The host runs scripts under a message handler, which changes how
	// gopher-lua treats upvalues on errors: test both ways.
	ways := map[string]func(t testing.TB, code string) (string, error){
		"plain": func(t testing.TB, code string) (string, error) {
			return run(t, context.Background(), code)
		},
		"under a handler": runWithHandler,
	}
	for way, runner := range ways {
		for _, tt := range tests {
			t.Run(way+"/"+tt.name, func(t *testing.T) {
				got, err := runner(t, tt.code)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// runWithHandler runs code as the host does: under luastd.PCall with a Go
// message handler. It returns the results as run does.
func runWithHandler(t testing.TB, code string) (string, error) {
	L := newState(t)
	fn, err := luastd.Load(L, code, "test")
	if err != nil {
		return "", err
	}
	L.Push(fn)
	handler := L.NewFunction(func(L *lua.LState) int { return 1 })
	if err := luastd.PCall(L, 0, lua.MultRet, handler); err != nil {
		return "", err
	}
	return stackText(L), nil
}

// TestPCallArgErrors checks Lua 5.1's argument errors of pcall and xpcall.
func TestPCallArgErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`pcall()`, "test:1: bad argument #1 to 'pcall' (value expected)"},
		{`xpcall(print)`, "test:1: bad argument #2 to 'xpcall' (value expected)"},
	}
	for _, tt := range tests {
		wantError(t, tt.code, tt.code, tt.want)
	}
}

// TestPCallKeepsDeadline checks that a script's pcall does not keep a run
// going past its context's end: the error is caught, but the next
// instruction raises it again.
func TestPCallKeepsDeadline(t *testing.T) {
	for _, code := range []string{
		`while true do pcall(function() while true do end end) end`,
		`while true do xpcall(function() while true do end end, function(m) return m end) end`,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start := time.Now()
		_, err := run(t, ctx, code)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
			t.Fatalf("%s: got %v, want the deadline", code, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s: stopped after %v", code, d)
		}
	}
}

// TestPCallFromGo checks luastd.PCall as a host's top-level call: a failed
// run leaves no upvalue open on the state's registers, with or without a
// message handler, and the handler sees the error value.
func TestPCallFromGo(t *testing.T) {
	if luastd.OpenUpvalues(newState(t)) < 0 {
		t.Fatal("gopher-lua's state lacks a field luastd.PCall needs")
	}
	// The fields read are the ones gopher-lua keeps open upvalues in.
	L := newState(t)
	open := -1
	L.SetGlobal("count", L.NewFunction(func(L *lua.LState) int { open = luastd.OpenUpvalues(L); return 0 }))
	if err := L.DoString(`local x, y = 1, 2; local f = function() return x + y end; count(); return f`); err != nil {
		t.Fatal(err)
	}
	if open != 2 {
		t.Fatalf("OpenUpvalues saw %d open upvalues in a running chunk, want 2", open)
	}
	handlers := map[string]func(*lua.LState) *lua.LFunction{
		"no handler": func(*lua.LState) *lua.LFunction { return nil },
		"Go handler": func(L *lua.LState) *lua.LFunction {
			return L.NewFunction(func(L *lua.LState) int {
				L.Push(lua.LString("handled: " + L.ToString(1)))
				return 1
			})
		},
	}
	for name, handler := range handlers {
		t.Run(name, func(t *testing.T) {
			L := newState(t)
			fn, err := luastd.Load(L, `
				local x = ...
				keep = function() return x end
				local t = nil
				return t.field`, "run")
			if err != nil {
				t.Fatal(err)
			}
			L.Push(fn)
			L.Push(lua.LString("first"))
			err = luastd.PCall(L, 1, lua.MultRet, handler(L))
			if err == nil || !strings.Contains(err.Error(), "attempt to index") {
				t.Fatalf("got %v, want an index error", err)
			}
			if name == "Go handler" && !strings.HasPrefix(err.(*lua.ApiError).Object.String(), "handled: ") {
				t.Fatalf("handler not applied: %v", err)
			}
			if n := luastd.OpenUpvalues(L); n != 0 {
				t.Fatalf("%d upvalues left open", n)
			}
			keep := L.GetGlobal("keep")
			// A second run on the same registers must not change keep's x.
			fn2, err := luastd.Load(L, `local a, b, c = "second", "second", "second"; return keep()`, "run2")
			if err != nil {
				t.Fatal(err)
			}
			L.Push(fn2)
			if err := luastd.PCall(L, 0, 1, handler(L)); err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1).String(); got != "first" {
				t.Fatalf("keep() = %q, want %q", got, "first")
			}
			L.Pop(1)
			_ = keep
		})
	}
}
