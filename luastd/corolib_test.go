package luastd_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestCoroutine checks the coroutine library's results, statuses and error
// texts against what Lua 5.1 gives for the same code (the expected values
// were taken from lua5.1).
func TestCoroutine(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"new is suspended", `return coroutine.status(coroutine.create(function() end))`, "suspended"},
		{"running inside", `local co co = coroutine.create(function() return coroutine.status(co), coroutine.status(coroutine.running()) end)
			return coroutine.resume(co)`, "true\trunning\trunning"},
		{"yielded is suspended", `local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) return coroutine.status(co)`, "suspended"},
		{"returned is dead", `local co = coroutine.create(function() end) coroutine.resume(co) return coroutine.status(co)`, "dead"},
		{"failed is dead", `local co = coroutine.create(function() error("x") end) coroutine.resume(co) return coroutine.status(co)`, "dead"},
		{"failed wrap is dead", `local co co = coroutine.create(function() error("x") end)
			local w = coroutine.wrap(function() coroutine.resume(co) error("y") end)
			pcall(w) return pcall(w)`, "false\tcannot resume dead coroutine"},
		{"resumer is normal", `local outer outer = coroutine.create(function()
			local inner = coroutine.create(function() return coroutine.status(outer) end)
			return coroutine.resume(inner) end)
			return coroutine.resume(outer)`, "true\ttrue\tnormal"},
		{"running in main is nil", `return coroutine.running()`, "nil"},
		{"values through resume and yield", `local co = coroutine.create(function(a, b) local c, d = coroutine.yield(a + b, nil) return c .. d end)
			local function pack(...) return select("#", ...), ... end
			local n, ok, v, w = pack(coroutine.resume(co, 1, 2))
			local m, ok2, s = pack(coroutine.resume(co, "x", "y"))
			return n, ok, v, w, m, ok2, s, coroutine.status(co)`, "3\ttrue\t3\tnil\t2\ttrue\txy\tdead"},
		{"yield of nothing", `return select("#", coroutine.resume(coroutine.create(function() coroutine.yield() end)))`, "1"},
		{"wrap returns values", `local g = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i, -i) end end) local a, b = g() local c = g() return a, b, c`, "1\t-1\t2"},
		{"resume dead", `local co = coroutine.create(function() end) coroutine.resume(co) return coroutine.resume(co)`, "false\tcannot resume dead coroutine"},
		{"resume running", `local co co = coroutine.create(function() return coroutine.resume(co) end) return coroutine.resume(co)`, "true\tfalse\tcannot resume running coroutine"},
		{"resume normal", `local outer outer = coroutine.create(function()
			return coroutine.resume(coroutine.create(function() return coroutine.resume(outer) end)) end)
			return coroutine.resume(outer)`, "true\ttrue\tfalse\tcannot resume normal coroutine"},
		{"wrap error has the caller's position", `local w = coroutine.wrap(function() error("boom") end)
			return pcall(function() w() end)`, "false\ttest:2: test:1: boom"},
		{"wrap error called from Go has none", `return pcall(coroutine.wrap(function() error("boom", 0) end))`, "false\tboom"},
		{"wrap error number gets a position", `return pcall(function() coroutine.wrap(function() error(42, 0) end)() end)`, "false\ttest:1: 42"},
		{"wrap error table is kept", `local e = {} local ok, got = pcall(coroutine.wrap(function() error(e) end)) return ok, got == e`, "false\ttrue"},
		{"wrap of dead", `local w = coroutine.wrap(function() end) w() return pcall(function() w() end)`, "false\ttest:1: cannot resume dead coroutine"},
		{"yield in main", `return pcall(coroutine.yield, 1)`, "false\tattempt to yield across metamethod/C-call boundary"},
		{"yield across pcall", `return coroutine.resume(coroutine.create(function() return pcall(coroutine.yield, 5) end))`,
			"true\tfalse\tattempt to yield across metamethod/C-call boundary"},
		{"yield in a metamethod", `local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end})
			return coroutine.resume(coroutine.create(function() return t.x end))`, "false\tattempt to yield across metamethod/C-call boundary"},
		{"yield in a for iterator", `return coroutine.resume(coroutine.create(function() for x in function() return coroutine.yield() end do end end))`,
			"false\tattempt to yield across metamethod/C-call boundary"},
		{"yield in a sort comparator", `return coroutine.resume(coroutine.create(function() table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end))`,
			"false\tattempt to yield across metamethod/C-call boundary"},
		{"yield in a tail call from the body", `local co = coroutine.create(function(...) return coroutine.yield(...) end)
			local a = {coroutine.resume(co, 1, 2)} local b = {coroutine.resume(co, 3)}
			return a[2], a[3], coroutine.status(co) == "dead", b[1], b[2], coroutine.resume(co)`, "1\t2\ttrue\ttrue\t3\tfalse\tcannot resume dead coroutine"},
		{"wrap yield in a tail call", `local g = coroutine.wrap(function() return coroutine.yield(1) end) local a = g() return a, g(5, 6)`, "1\t5\t6"},
		{"resumed with fewer values than the yield wants", `local co = coroutine.create(function() local a, b, c = coroutine.yield() return a, b, c end)
			coroutine.resume(co) return coroutine.resume(co, 1)`, "true\t1\tnil\tnil"},
		{"wrap resumed with fewer values, through a tail-called yield", `local function relay() return coroutine.yield() end
			local g = coroutine.wrap(function() local a, b = relay() return b, a end) g() return g("x")`, "nil\tx"},
		{"yield through a __call", `local f = setmetatable({}, {__call = function(_, x) return coroutine.yield(x) end})
			local co = coroutine.create(function() return f(7) end) local _, a = coroutine.resume(co) return a, coroutine.resume(co, 8)`, "7\ttrue\t8"},
		{"chain of 150", `local n = 0 local function spawn() n = n + 1 if n < 150 then assert(coroutine.resume(coroutine.create(spawn))) end end spawn() return n`, "150"},
		{"chain too deep", `local n = 0 local function spawn() n = n + 1 local ok, e = coroutine.resume(coroutine.create(spawn)) if not ok then error(e, 0) end end
			return n, pcall(spawn)`, "0\tfalse\tC stack overflow"},
		{"chain too deep stops at Lua 5.1's depth", `local n = 0 local function spawn() n = n + 1 local ok, e = coroutine.resume(coroutine.create(spawn)) if not ok then error(e, 0) end end
			pcall(spawn) return n`, "198"},
	}
	for _, tt := range tests {
		wantResults(t, tt.name, tt.code, tt.want)
	}
}

// TestCoroutineErrors checks Lua 5.1's argument errors.
func TestCoroutineErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`coroutine.resume(1)`, "test:1: bad argument #1 to 'resume' (coroutine expected)"},
		{`coroutine.status({})`, "test:1: bad argument #1 to 'status' (coroutine expected)"},
		{`coroutine.create(1)`, "test:1: bad argument #1 to 'create' (Lua function expected)"},
		{`coroutine.create(print)`, "test:1: bad argument #1 to 'create' (Lua function expected)"},
		{`coroutine.wrap()`, "test:1: bad argument #1 to 'wrap' (Lua function expected)"},
		{`coroutine.yield()`, "attempt to yield across metamethod/C-call boundary"},
	}
	for _, tt := range tests {
		wantError(t, tt.code, tt.code, tt.want)
	}
}

// TestCoroutineTakesTheResumersContext: a coroutine created while the
// state had no context, or another one, runs under the context of the
// state resuming it.
func TestCoroutineTakesTheResumersContext(t *testing.T) {
	L := newState(t)
	if err := L.DoString(`co = coroutine.create(function() coroutine.yield() while true do end end) coroutine.resume(co)`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	L.SetContext(ctx)
	start := time.Now()
	err := L.DoString(`local ok, e = coroutine.resume(co) error(e, 0)`)
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) || took > 5*time.Second {
		t.Fatalf("error %v after %v, want the deadline", err, took)
	}
}

// TestCollectGarbage checks collectgarbage's results against Lua 5.1's
// (types and the values that do not depend on the collector's state).
func TestCollectGarbage(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return collectgarbage()`, "0"},
		{`return collectgarbage("collect")`, "0"},
		{`return type(collectgarbage("count")), collectgarbage("count") > 0, select("#", collectgarbage("count"))`, "number\ttrue\t1"},
		{`return type(collectgarbage("step"))`, "boolean"},
		{`return type(collectgarbage("step", 100))`, "boolean"},
		{`return collectgarbage("setpause", 100)`, "200"},
		{`return collectgarbage("setstepmul", "300")`, "200"},
		{`return collectgarbage("stop"), collectgarbage("restart")`, "0\t0"},
		{`local t = {} for i = 1, 1e5 do t[i] = {} end local a = collectgarbage("count") t = nil collectgarbage() return a > 1000`, "true"},
	}
	for _, tt := range tests {
		wantResults(t, tt.code, tt.code, tt.want)
	}
	errs := []struct{ code, want string }{
		{`collectgarbage("bogus")`, "test:1: bad argument #1 to 'collectgarbage' (invalid option 'bogus')"},
		{`collectgarbage({})`, "test:1: bad argument #1 to 'collectgarbage' (string expected, got table)"},
		{`collectgarbage("step", {})`, "test:1: bad argument #2 to 'collectgarbage' (number expected, got table)"},
	}
	for _, tt := range errs {
		wantError(t, tt.code, tt.code, tt.want)
	}
}
