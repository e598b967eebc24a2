package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
)

const isolationRegistry = `
- {name: cache, kind: store.memory}
`

// isolationCases are ways a run could leave something for a later run on
// the same pooled state. a changes the state through one path (and checks
// that the change works within its own run where a script could rely on
// that); b, run later on the same state, returns true when it sees none of
// it. full cases need the io and debug libraries, which WithSandbox drops.
var isolationCases = []struct {
	name string
	a, b string
	full bool
}{
	{name: "global", a: `leaked = "A"`, b: `return leaked == nil`},
	{name: "_G field", a: `_G.leaked = "A"`, b: `return _G.leaked == nil and leaked == nil`},
	{name: "rawset on _G", a: `rawset(_G, "leaked", "A") assert(leaked == "A")`, b: `return rawget(_G, "leaked") == nil and leaked == nil`},
	{name: "getfenv(0)", a: `getfenv(0).leaked = "A"`, b: `return getfenv(0).leaked == nil and leaked == nil`},
	{name: "setfenv(0)", a: `setfenv(0, {leaked = "A"})`, b: `return getfenv(0) == _G and getfenv(0).leaked == nil`},
	{name: "getfenv of a Go function", a: `getfenv(print).leaked = "A"`, b: `return getfenv(print) == _G and leaked == nil`},
	{name: "getfenv(1) in a function", a: `local function f() getfenv(1).leaked = "A" end f() assert(leaked == "A")`, b: `return leaked == nil`},
	{name: "globals of a function run A defined", a: `function f() return leaked end getfenv(f).leaked = "A" assert(f() == "A")`, b: `return f == nil and leaked == nil`},
	{name: "loadstring", a: `loadstring("leaked = 'A'")() assert(leaked == "A")`, b: `return leaked == nil and loadstring("return leaked")() == nil`},
	{name: "setmetatable on _G", a: `setmetatable(_G, {__index = function() return "A" end}) assert(undefined_name == "A" and print ~= "A")`, b: `return undefined_name == nil and getmetatable(_G) == nil`},
	{name: "getmetatable of _G", a: `local mt = getmetatable(_G) or {} mt.__index = function() return "A" end setmetatable(_G, mt)`, b: `return undefined_name == nil`},
	{name: "pairs over _G", a: `for k, v in pairs(_G) do if type(v) == "table" and k ~= "_G" then v.leaked = "A" end end`, b: `return string.leaked == nil and table.leaked == nil and store.leaked == nil and errors.leaked == nil and package.leaked == nil`},
	{name: "host global removed", a: `print = nil string = nil assert(print == nil and string == nil and rawget(_G, "print") == nil)`, b: `return print ~= nil and string.upper("x") == "X"`},
	{name: "host global removed after use", a: `assert(string.upper("x") == "X") string = nil assert(string == nil)`, b: `return print ~= nil and string.upper("x") == "X"`},
	{name: "string.upper replaced", a: `string.upper = function() return "A" end assert(("x"):upper() == "A")`, b: `return string.upper("x") == "X" and ("x"):upper() == "X"`},
	{name: "string method added", a: `function string.trim(s) return (s:gsub("^%s+", "")) end assert(("  x"):trim() == "x")`, b: `return string.trim == nil and ("x").trim == nil`},
	{name: "string metatable __index", a: `getmetatable("").__index.upper = function() return "A" end assert(("x"):upper() == "A")`, b: `return ("x"):upper() == "X" and string.upper("x") == "X"`},
	{name: "string metatable __index replaced", a: `getmetatable("").__index = {upper = function() return "A" end} assert(("x"):upper() == "A")`, b: `return ("x"):upper() == "X" and getmetatable("").__index == string`},
	{name: "string metatable new field", a: `getmetatable("").__add = function() return "A" end assert("x" + 1 == "A")`, b: `return getmetatable("").__add == nil and not pcall(function() return "x" + 1 end)`},
	{name: "string library through a string", a: `local s = ("x").__index if s then s.upper = function() return "A" end end`, b: `return ("x"):upper() == "X" and ("x").__index == nil`},
	{name: "table.insert", a: `table.insert = function() error("run A's table.insert") end`, b: `local t = {} table.insert(t, 1) return t[1] == 1`},
	{name: "math", a: `math.pi = 3 math.floor = nil`, b: `return math.pi > 3.14 and math.floor(1.5) == 1`},
	{name: "os", a: `os.time = function() return 0 end`, b: `return os.time() > 0`},
	{name: "coroutine library", a: `coroutine.wrap = nil`, b: `return coroutine.wrap ~= nil`},
	{name: "store module", a: `store.get = function() error("run A's store.get") end`, b: `return store.get("app:cache") ~= nil`},
	{name: "store module through require", a: `require("store").get = function() error("run A's store.get") end assert(not pcall(store.get, "app:cache"))`, b: `return require("store") == store and require("store").get("app:cache") ~= nil`},
	{name: "store constants", a: `for k in pairs(store.backend) do store.backend[k] = "A" end`, b: `for _, v in pairs(store.backend) do if v == "A" then return false end end return next(store.backend) ~= nil`},
	{name: "errors module", a: `errors.NOT_FOUND = "A" errors.is = nil`, b: `return errors.NOT_FOUND ~= "A" and errors.is ~= nil`},
	{name: "error value metatable", a: `local _, e = store.get("") getmetatable(e).__index.kind = function() return "A" end assert(e:kind() == "A")`, b: `local _, e = store.get("") return e:kind() == errors.INVALID`},
	{name: "store handle metatable", a: `
local h = store.get("app:cache")
local methods = getmetatable(h).__index
local set = methods.set
methods.set = function(self, k, v) error("went through run A's set") end
assert(not pcall(h.set, h, "k", "A"))
assert(not pcall(store.get("app:cache").set, store.get("app:cache"), "k", "A"))`,
		b: `local h = store.get("app:cache") assert(h:set("k", "B")) return h:get("k") == "B"`},
	{name: "store handle methods behind the common ones", a: `getmetatable(getmetatable(store.get("app:cache")).__index).__index.info = function() error("run A's info") end`, b: `return store.get("app:cache"):info() ~= nil`},
	{name: "store handle __tostring", a: `getmetatable(store.get("app:cache")).__tostring = function() return "A" end`, b: `return tostring(store.get("app:cache")) ~= "A"`},
	{name: "package.loaded", a: `package.loaded.leaked = "A" package.loaded.string = {upper = function() return "A" end}`, b: `return package.loaded.leaked == nil and require("string").upper("x") == "X" and package.loaded.string == string`},
	{name: "package.loaded.store replaced", a: `package.loaded.store = {get = function() error("run A's store") end} assert(require("store") ~= store)`, b: `return require("store") == store and store.get("app:cache") ~= nil`},
	{name: "package.preload", a: `package.preload.leakmod = function() return "A" end assert(require("leakmod") == "A")`, b: `return not pcall(require, "leakmod") and package.preload.leakmod == nil`},
	{name: "package.loaders", a: `package.loaders[1] = function() return function() return "A" end end assert(require("leakmod") == "A")`, b: `return not pcall(require, "leakmod")`},
	{name: "module", a: `local function m() module("leakmod") end m() assert(leakmod and package.loaded.leakmod)`, b: `return leakmod == nil and package.loaded.leakmod == nil`},
	{name: "coroutine kept alive", a: `
local co = coroutine.wrap(function() while true do getfenv(0).leaked = "A" coroutine.yield() end end)
co()
string.co, package.loaded.co, errors.co, store.co, math.co = co, co, co, co, co`,
		b: `return string.co == nil and package.loaded.co == nil and errors.co == nil and store.co == nil and math.co == nil and leaked == nil`},

	{name: "debug.setmetatable on numbers", full: true, a: `debug.setmetatable(0, {__index = function() return "A" end}) assert((5).x == "A")`, b: `return debug.getmetatable(0) == nil and not pcall(function() return (5).x end)`},
	{name: "debug.setmetatable on strings", full: true, a: `debug.setmetatable("", {__index = {upper = function() return "A" end}})`, b: `return ("x"):upper() == "X"`},
	{name: "debug.setfenv of a Go function", full: true, a: `debug.setfenv(print, {leaked = "A"}) assert(debug.getfenv(print).leaked == "A")`, b: `return debug.getfenv(print) == _G and leaked == nil`},
	{name: "debug.getfenv of a Go function", full: true, a: `debug.getfenv(print).leaked = "A"`, b: `return leaked == nil and debug.getfenv(print).leaked == nil`},
	{name: "debug.getmetatable of a handle", full: true, a: `debug.getmetatable(store.get("app:cache")).__index.get = function() error("run A's get") end`, b: `store.get("app:cache"):get("k") return true`},
	{name: "debug.setupvalue of library functions", full: true, a: `for _, f in pairs({pairs, ipairs, errors.new, string.gmatch, io.write, require}) do debug.setupvalue(f, 1, "A") end`, b: `for _ in pairs({1}) do end for _ in ipairs({1}) do end return errors.new("x"):message() == "x"`},
	{name: "io library", full: true, a: `io.write = function() error("run A's io.write") end io.stdout = nil`, b: `return io.write ~= nil and io.stdout ~= nil`},
	{name: "io file metatable", full: true, a: `getmetatable(io.stdout).__index.write = function() error("run A's write") end`, b: `io.stdout:write("") return true`},
	{name: "io default output", full: true, a: `io.output(io.stderr)`, b: `return io.output() == io.stdout`},
	{name: "os.exit", full: true, a: `os.exit = nil`, b: `return os.exit ~= nil`},
}

// runLua runs code on a pooled state the way mode says: "RunString", or a
// Go host's chunk inside Do. It returns the chunk's first result.
func runLua(ctx context.Context, rt *runtime.Runtime, mode, code string) (any, error) {
	if mode == "RunString" {
		res, err := rt.RunString(ctx, code)
		if err != nil || len(res) == 0 {
			return nil, err
		}
		return res[0], nil
	}
	var out any
	err := rt.Do(ctx, func(L *lua.LState) error {
		fn, err := L.LoadString(code)
		if err != nil {
			return err
		}
		L.Push(fn)
		if err := L.PCall(0, 1, nil); err != nil {
			return err
		}
		if b, ok := L.Get(-1).(lua.LBool); ok {
			out = bool(b)
		}
		L.Pop(1)
		return nil
	})
	return out, err
}

// pooledState returns the state the next pooled run gets (the pool hands
// back the state put last, so one goroutine's runs share it).
func pooledState(t *testing.T, rt *runtime.Runtime) *lua.LState {
	t.Helper()
	var L *lua.LState
	if err := rt.Do(context.Background(), func(l *lua.LState) error { L = l; return nil }); err != nil {
		t.Fatal(err)
	}
	return L
}

// TestRunIsolation runs each case's a and then its b on the same pooled
// state, through RunString and through Do, with and without WithSandbox,
// and requires that b sees nothing of a. With warm, a run that reads the
// libraries without changing them goes first, so that a starts from the
// copies it hands on.
func TestRunIsolation(t *testing.T) {
	ctx := context.Background()
	modes := [][2]string{{"RunString", "RunString"}, {"Do", "RunString"}, {"RunString", "Do"}}
	const warmRun = `return string.len("x") == 1 and ("x"):upper() == "X" and store.get("app:cache") ~= nil and errors.new("e") ~= nil and #package.loaders > 0 and math.floor(1.5) == 1`
	for _, warm := range []bool{false, true} {
		for _, sandbox := range []bool{false, true} {
			for _, tc := range isolationCases {
				if tc.full && sandbox {
					continue
				}
				for _, m := range modes {
					name := fmt.Sprintf("warm=%v/sandbox=%v/%s/%s-then-%s", warm, sandbox, tc.name, m[0], m[1])
					t.Run(name, func(t *testing.T) {
						var opts []runtime.Option
						if sandbox {
							opts = append(opts, runtime.WithSandbox())
						}
						rt := newRuntime(t, isolationRegistry, opts...)
						L := pooledState(t, rt)
						if warm {
							if got, err := runLua(ctx, rt, "RunString", warmRun); err != nil || got != true {
								t.Fatalf("warm-up run: %v, %v", got, err)
							}
						}
						if _, err := runLua(ctx, rt, m[0], tc.a); err != nil {
							t.Fatalf("run A: %v", err)
						}
						got, err := runLua(ctx, rt, m[1], tc.b)
						if err != nil {
							t.Fatalf("run B: %v", err)
						}
						if got != true {
							t.Errorf("run B saw what run A did (b returned %v)", got)
						}
						if pooledState(t, rt) != L {
							t.Fatal("runs did not share one pooled state; the test proves nothing")
						}
					})
				}
			}
		}
	}
}

// TestRunIsolationGoCode checks what Go code lent a state by Do changes
// through the Lua API: globals and library tables stay in its run.
func TestRunIsolationGoCode(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, isolationRegistry)
	L := pooledState(t, rt)
	if err := rt.Do(ctx, func(L *lua.LState) error {
		L.SetGlobal("leaked", lua.LString("A"))
		L.GetGlobal("string").(*lua.LTable).RawSetString("upper", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("A"))
			return 1
		}))
		L.G.Global.RawSetString("leaked2", lua.LString("A"))
		return L.DoString(`assert(leaked == "A" and leaked2 == "A" and ("x"):upper() == "A")`)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := rt.RunString(ctx, `return leaked == nil and leaked2 == nil and ("x"):upper() == "X" and string.upper("x") == "X"`)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != true {
		t.Error("a RunString saw what Go code in Do changed")
	}
	if pooledState(t, rt) != L {
		t.Fatal("runs did not share one pooled state")
	}
}

// TestRunIsolationConcurrent runs many goroutines of scripts that first
// check that they see a clean state and then change it through every
// path of isolationCases that a sandboxed script has; pooled states pass
// between goroutines, so any leak fails some later run. Run it with -race.
func TestRunIsolationConcurrent(t *testing.T) {
	const goroutines, runs = 8, 40
	ctx := context.Background()
	rt := newRuntime(t, isolationRegistry, runtime.WithSandbox())
	var check string
	var changes []string
	for _, tc := range isolationCases {
		if tc.full {
			continue
		}
		check += fmt.Sprintf("assert((function() %s end)(), %q)\n", tc.b, "leak: "+tc.name)
		changes = append(changes, tc.a)
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range runs {
				code := check + "do " + changes[(g*runs+i)%len(changes)] + "\nend\nreturn true"
				if _, err := runLua(ctx, rt, []string{"RunString", "Do"}[(g+i)%2], code); err != nil {
					errs <- fmt.Errorf("goroutine %d run %d: %w", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestRunIsolationKeptCopies checks the copies a run hands on to the next
// run on its state: a run that reaches library tables and leaves them (and
// everything they lead to) as they were hands the same copies on, and any
// change, however deep, makes the next run get fresh ones that show none
// of it. Each case runs a warm-up run that reads the libraries, then a,
// then b, on one pooled state; kept says whether b gets a's copy of the
// global named in global.
func TestRunIsolationKeptCopies(t *testing.T) {
	const warm = `return string.len("x") == 1 and ("x"):upper() == "X" and store.get("app:cache") ~= nil and errors.new("e") ~= nil`
	cases := []struct {
		name, global string
		a, b         string
		kept         bool
	}{
		{name: "library read", global: "string", a: `assert(string.len("x") == 1 and ("x"):rep(2) == "xx")`, b: `return string.upper("x") == "X" and getmetatable("").__index == string`, kept: true},
		{name: "store used", global: "store", a: `assert(store.get("app:cache"):set("k", 1))`, b: `return store.get("app:cache"):get("k") == 1`, kept: true},
		{name: "value changed back", global: "string", a: `local u = string.upper string.upper = nil assert(string.upper == nil) string.upper = u`, b: `return string.upper("x") == "X"`, kept: true},
		{name: "field added and removed", global: "string", a: `string.leaked = "A" string.leaked = nil`, b: `return string.leaked == nil`, kept: true},
		{name: "global removed and restored", global: "string", a: `local s = string string = nil assert(string == nil) string = s`, b: `return string.len("x") == 1`, kept: true},
		{name: "field changed", global: "string", a: `string.upper = string.lower`, b: `return string.upper("x") == "X"`},
		{name: "field added", global: "string", a: `string.leaked = "A"`, b: `return string.leaked == nil`},
		{name: "field removed", global: "string", a: `string.rep = nil`, b: `return string.rep("x", 2) == "xx"`},
		{name: "nested table changed", global: "store", a: `local k = next(store.backend) store.backend[k] = "A"`, b: `for _, v in pairs(store.backend) do if v == "A" then return false end end return true`},
		{name: "nested metatable changed", global: "store", a: `getmetatable(store.get("app:cache")).__index.leaked = "A"`, b: `return store.get("app:cache").leaked == nil`},
		{name: "metatable set", global: "string", a: `setmetatable(string, {__index = function() return "A" end}) assert(string.nothing == "A")`, b: `return getmetatable(string) == nil and string.nothing == nil`},
		{name: "string metatable replaced", global: "string", a: `debug.setmetatable("", {__index = {upper = function() return "A" end}})`, b: `return ("x"):upper() == "X"`},
		{name: "Go function environment changed", global: "string", a: `assert(string.len("x") == 1) debug.setfenv(print, {leaked = "A"})`, b: `return debug.getfenv(print) == _G and leaked == nil`},
		{name: "io default output changed", global: "io", a: `io.output(io.stderr)`, b: `return io.output() == io.stdout`},
		{name: "global set too", global: "string", a: `assert(string.len("x") == 1) leaked = "A"`, b: `return leaked == nil and string.len("x") == 1`},
		{name: "library global removed", global: "string", a: `assert(string.len("x") == 1) string = nil`, b: `return string.len("x") == 1`},
		{name: "globals completed", global: "string", a: `for k, v in pairs(_G) do end`, b: `return rawget(_G, "leaked") == nil and string.len("x") == 1`, kept: true},
		{name: "completed globals changed", global: "string", a: `for k, v in pairs(_G) do end leaked = "A"`, b: `return leaked == nil`},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := newRuntime(t, isolationRegistry)
			L := pooledState(t, rt)
			if got, err := runLua(ctx, rt, "RunString", warm); err != nil || got != true {
				t.Fatalf("warm-up run: %v, %v", got, err)
			}
			var fromA, fromB lua.LValue
			if err := rt.Do(ctx, func(L *lua.LState) error {
				if err := L.DoString(tc.a); err != nil {
					return err
				}
				fromA = L.GetGlobal(tc.global)
				return nil
			}); err != nil {
				t.Fatalf("run A: %v", err)
			}
			if err := rt.Do(ctx, func(L *lua.LState) error {
				fromB = L.GetGlobal(tc.global)
				return nil
			}); err != nil {
				t.Fatalf("run between: %v", err)
			}
			got, err := runLua(ctx, rt, "RunString", tc.b)
			if err != nil {
				t.Fatalf("run B: %v", err)
			}
			if got != true {
				t.Errorf("run B saw what run A did (b returned %v)", got)
			}
			if kept := fromA == fromB; kept != tc.kept {
				t.Errorf("the next run got run A's copy of %s: %v, want %v", tc.global, kept, tc.kept)
			}
			if pooledState(t, rt) != L {
				t.Fatal("runs did not share one pooled state; the test proves nothing")
			}
		})
	}
}
