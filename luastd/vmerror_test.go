package luastd_test

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// TestVMErrorWording checks that errors gopher-lua's VM raises read as
// Lua 5.1's, naming the variable the failing value came from, whether a
// script's pcall, a coroutine's resume or the host's run catches them,
// with the position prefix kept.
func TestVMErrorWording(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"call global", `undefined()`, "attempt to call global 'undefined' (a nil value)"},
		{"call local", `local f = 1; f()`, "attempt to call local 'f' (a number value)"},
		{"call upvalue", `return (function() return up() end)()`, "attempt to call upvalue 'up' (a nil value)"},
		{"call field", `local t = {}; t.bar()`, "attempt to call field 'bar' (a nil value)"},
		{"call field with a key that is not a string", `local t = {}; t[1]()`, "attempt to call field '?' (a nil value)"},
		{"call method", `local s = {}; s:foo()`, "attempt to call method 'foo' (a nil value)"},
		{"call a value without a name", `return (1)()`, "attempt to call a number value"},
		{"tail call", `local g; return g()`, "attempt to call local 'g' (a nil value)"},
		{"call in a generic for", `for k in nil do end`, "attempt to call a nil value"},
		{"index local", `local t; return t.x`, "attempt to index local 't' (a nil value)"},
		{"index field", `local a = {}; return a.b.c`, "attempt to index field 'b' (a nil value)"},
		{"index global", `return undefined.x`, "attempt to index global 'undefined' (a nil value)"},
		{"index upvalue", `return (function() return up.x end)()`, "attempt to index upvalue 'up' (a nil value)"},
		{"index in an assignment", `local t; t.x = 1`, "attempt to index local 't' (a nil value)"},
		{"index a number", `local n = 5; return n.x`, "attempt to index local 'n' (a number value)"},
		{"index through __index", `local t = setmetatable({}, {__index = 5}); return t.x`, "attempt to index a number value"},
		{"index through __newindex", `local t = setmetatable({}, {__newindex = true}); t.x = 1`, "attempt to index a boolean value"},
		{"outer local shadowed by the one being declared", `local t; do local t = t.x end`, "attempt to index local 't' (a nil value)"},
		{"arithmetic on local", `local x; return x + 1`, "attempt to perform arithmetic on local 'x' (a nil value)"},
		{"arithmetic on the second operand", `local a, b = 1, {}; return a * b`, "attempt to perform arithmetic on local 'b' (a table value)"},
		{"arithmetic on two tables", `local a, b = {}, {}; return a - b`, "attempt to perform arithmetic on local 'a' (a table value)"},
		{"arithmetic on a string", `local s = "a"; return s - 1`, "attempt to perform arithmetic on local 's' (a string value)"},
		{"arithmetic on field", `local a = {}; return 1 + a.b`, "attempt to perform arithmetic on field 'b' (a nil value)"},
		{"arithmetic on a value without a name", `return 1 + {}`, "attempt to perform arithmetic on a table value"},
		{"unary minus", `local t = {}; return -t`, "attempt to perform arithmetic on local 't' (a table value)"},
		{"length of nil", `return #nil`, "attempt to get length of a nil value"},
		{"length of upvalue", `return (function() return #up end)()`, "attempt to get length of upvalue 'up' (a nil value)"},
		{"concatenation", `return y .. "a"`, "attempt to concatenate global 'y' (a nil value)"},
		{"compare two values of a type", `return {} < {}`, "attempt to compare two table values"},
		{"compare values of two types", `return 1 < nil`, "attempt to compare number with nil"},
		{"for initial value", `for i = nil, 2 do end`, "'for' initial value must be a number"},
		{"for limit", `for i = 1, "x" do end`, "'for' limit must be a number"},
		{"for step", `for i = 1, 2, {} do end`, "'for' step must be a number"},
		{"argument missing", `string.rep()`, "bad argument #1 to 'rep' (string expected, got no value)"},
		{"argument of a method", `local s = "x"; return s:rep({})`, "bad argument #1 to 'rep' (number expected, got table)"},
		{"argument nil", `return string.upper(nil)`, "bad argument #1 to 'upper' (string expected, got nil)"},
		{"bad self", `local s = setmetatable({}, {__index = {up = string.upper}}); return s:up()`, "calling 'up' on bad self (string expected, got table)"},
		{"function in a local", `local r = string.rep; return r()`, "bad argument #1 to 'r' (string expected, got no value)"},
	}
	ways := map[string]func(t *testing.T, body string) string{
		"pcall": func(t *testing.T, body string) string {
			got, err := run(t, t.Context(), "return select(2, pcall(function() "+body+" end))")
			if err != nil {
				t.Fatal(err)
			}
			return got
		},
		"coroutine": func(t *testing.T, body string) string {
			got, err := run(t, t.Context(), "return select(2, coroutine.resume(coroutine.create(function() "+body+" end)))")
			if err != nil {
				t.Fatal(err)
			}
			return got
		},
		"host run": func(t *testing.T, body string) string {
			_, err := runWithHandler(t, "local up; "+body)
			ae, ok := err.(*lua.ApiError)
			if !ok {
				t.Fatalf("got %v, want a Lua error", err)
			}
			return ae.Object.String()
		},
	}
	for way, runBody := range ways {
		for _, tt := range tests {
			t.Run(way+"/"+tt.name, func(t *testing.T) {
				body := tt.body
				if way != "host run" {
					body = "local up; return (function() " + body + " end)()"
				}
				if got, want := runBody(t, body), "test:1: "+tt.want; got != want {
					t.Fatalf("got %q, want %q", got, want)
				}
			})
		}
	}
}

// TestVMErrorWordingLeavesOthers checks that errors the VM did not raise
// keep their value: a script's own strings, even in gopher-lua's words,
// and error values that are not strings.
func TestVMErrorWordingLeavesOthers(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"gopher-lua's words from error", `return select(2, pcall(error, "attempt to call a non-function object"))`, "attempt to call a non-function object"},
		{"with a position", `return select(2, pcall(function() error("attempt to index a non-table object(nil) with key 'x'") end))`, "test:1: attempt to index a non-table object(nil) with key 'x'"},
		{"argument error words", `return select(2, pcall(function() error("bad argument #1 to error (x)") end))`, "test:1: bad argument #1 to error (x)"},
		{"table", `local e = {}; return select(2, pcall(function() error(e) end)) == e`, "true"},
		{"nil", `return select("#", pcall(error)), select(2, pcall(error))`, "2\tnil"},
	}
	for _, tt := range tests {
		wantResults(t, tt.name, tt.code, tt.want)
	}
}

// TestVMErrorWordingHandler checks that xpcall's handler and a host's
// message handler get the reworded message.
func TestVMErrorWordingHandler(t *testing.T) {
	wantResults(t, "xpcall", `return xpcall(function() local t; return t.x end, function(m) return "H:" .. m end)`,
		"false\tH:test:1: attempt to index local 't' (a nil value)")
	L := newState(t)
	fn, err := luastd.Load(L, "undefined()", "run")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	L.Push(fn)
	err = luastd.PCall(L, 0, 0, L.NewFunction(func(L *lua.LState) int {
		seen = L.ToString(1)
		return 1
	}))
	if want := "run:1: attempt to call global 'undefined' (a nil value)"; seen != want || err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("handler saw %q, error %v; want %q for both", seen, err, want)
	}
}
