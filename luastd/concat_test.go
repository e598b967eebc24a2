package luastd_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luahost/luahost/luastd"
)

// TestConcat: the .. operator gives what PUC Lua 5.1 gives (each want was
// checked against lua5.1).
func TestConcat(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"strings", `return "a" .. "b" .. "c"`, "abc"},
		{"empty", `local e = "" return e .. e, e .. "x", "x" .. e`, "\tx\tx"},
		{"integers", `return 1 .. 2, -7 .. "", 2^53 .. "", 1e14 - 1 .. ""`, "12\t-7\t9.007199254741e+15\t99999999999999"},
		{"fractions as %.14g", `return 1/3 .. "", 0.1 .. "", 2^63 .. "", 1e100 .. "", 1e-5 .. ""`,
			"0.33333333333333\t0.1\t9.2233720368548e+18\t1e+100\t1e-05"},
		{"special numbers", `local z = 0 return 1/0 .. "", -1/0 .. "", -z .. "", 0/0 .. "", 1e14 .. ""`, "inf\t-inf\t-0\t-nan\t1e+14"},
		{"numbers only", `local a, b = 1.5, 2 return a .. b`, "1.52"},
		{"long chain", `local x = "x" return x..x..x..x..x..x..x..x..x..x..1`, "xxxxxxxxxx1"},
		{"parenthesized", `local a, b, c = "a", "b", "c" return (a .. b) .. c, a .. (b .. c)`, "abc\tabc"},
		{"nested in call", `return string.upper("a" .. "b"), #("abc" .. "de")`, "AB\t5"},
		{"last operand one value", `local function f() return "x", "y" end return "a" .. f()`, "ax"},
		{"varargs one value", `return (function(...) return "a" .. ... end)("b", "c")`, "ab"},
		{"left to right evaluation",
			`local log = "" local function f(s) log = log .. s return s end local r = f("1") .. f("2") .. f("3") return r, log`,
			"123\t123"},
		{"in table constructor", `local t = {"a" .. "b", k = "c" .. "d"} return t[1], t.k, #t`, "ab\tcd\t1"},
		{"as table key", `local t = {} t["k" .. 1] = true return t.k1`, "true"},
		{"in condition", `local n = 0 repeat n = n + 1 local s = "x" .. n until s == "x3" return n`, "3"},
		{"method receiver", `return ("a" .. "b"):upper()`, "AB"},
		{"string constant like the marker",
			"local m = \"\\0luastd.concat\\0\" .. \"0\" return #m, m:byte(1), (\"\\0luastd.concat\\0\" .. 1):sub(2, 14)",
			"16\t0\tluastd.concat"},
		{"string constant equal to a marker", "local k = \"\\0luastd.concat\\0000\" return #(k .. \"\"), k == \"\\0luastd.concat\\0\" .. 0", "16\ttrue"},
		{"metamethod left", `local t = setmetatable({}, {__concat = function(a, b) return "L" .. type(a) .. type(b) end}) return t .. "x"`, "Ltablestring"},
		{"metamethod right", `local t = setmetatable({}, {__concat = function(a, b) return "R" .. type(a) .. type(b) end}) return "x" .. t`, "Rstringtable"},
		{"metamethod gets numbers as numbers", `local t = setmetatable({}, {__concat = function(a, b) return type(a) .. type(b) end}) return 1 .. t, t .. 2`, "numbertable\ttablenumber"},
		{"left operand's metamethod first",
			`local A = setmetatable({}, {__concat = function() return "A" end}) local B = setmetatable({}, {__concat = function() return "B" end}) return A .. B, B .. A`,
			"A\tB"},
		{"right to left, strings joined first",
			`local log = {} local t = setmetatable({}, {__concat = function(a, b) log[#log + 1] = type(a) .. ":" .. tostring(b) return "T" end}) local r = t .. "a" .. "b" .. 1 return r, table.concat(log, ",")`,
			"T\ttable:ab1"},
		{"metamethod result joined on",
			`local t = setmetatable({}, {__concat = function(a, b) return "<" .. b .. ">" end}) return "x" .. "y" .. t .. "z"`,
			"xy<z>"},
		{"metamethod may return a table",
			`local mt = {} mt.__concat = function(a, b) return setmetatable({n = b.n + 1}, mt) end local t = setmetatable({n = 0}, mt) return (t .. t .. t).n`,
			"2"},
		{"callable metamethod", `local t = setmetatable({}, {__concat = setmetatable({}, {__call = function(self, a, b) return "called" end})}) return t .. "x"`, "called"},
		{"error object __concat",
			`local e = setmetatable({}, {__concat = function(a, b) return "E+" .. tostring(b) end}) return select(2, pcall(error, e)) .. 1`,
			"E+1"},
	}
	for _, tt := range tests {
		wantResults(t, tt.name, tt.code, tt.want)
	}
}

// TestConcatErrors: Lua 5.1's messages, which name the operand as the
// source does, at the line of the chain (checked against lua5.1).
func TestConcatErrors(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"local", `local x return "a" .. x`, `test:1: attempt to concatenate local 'x' (a nil value)`},
		{"global", `return "a" .. y`, `test:1: attempt to concatenate global 'y' (a nil value)`},
		{"upvalue", `local u = {} return (function() return u .. "a" end)()`, `test:1: attempt to concatenate upvalue 'u' (a table value)`},
		{"field", `local t = {} return t.name .. "a"`, `test:1: attempt to concatenate field 'name' (a nil value)`},
		{"field by string", `local t = {} return t["na me"] .. "a"`, `test:1: attempt to concatenate field 'na me' (a nil value)`},
		{"field by number", `local t = {} return t[1] .. "a"`, `test:1: attempt to concatenate field '?' (a nil value)`},
		{"field by variable", `local t, k = {}, "k" return t[k] .. "a"`, `test:1: attempt to concatenate field '?' (a nil value)`},
		{"constant", `return "a" .. nil`, `test:1: attempt to concatenate a nil value`},
		{"call result", `return "a" .. print()`, `test:1: attempt to concatenate a nil value`},
		{"boolean", `local b = true return b .. "a"`, `test:1: attempt to concatenate local 'b' (a boolean value)`},
		{"left one first", `local p, q = {}, true return p .. q`, `test:1: attempt to concatenate local 'p' (a table value)`},
		{"right one when the left is text", `local p, q = 1, true return p .. q`, `test:1: attempt to concatenate local 'q' (a boolean value)`},
		{"function", `return "a" .. print`, `test:1: attempt to concatenate global 'print' (a function value)`},
		{"self", `local o = {} function o:m() return self .. "" end return o:m()`, `test:1: attempt to concatenate local 'self' (a table value)`},
		{"parameter", `local function f(p) return "a" .. p end return f()`, `test:1: attempt to concatenate local 'p' (a nil value)`},
		{"for variable", `for i, v in ipairs({{}}) do return v .. "" end`, `test:1: attempt to concatenate local 'v' (a table value)`},
		{"local shadows global", `local print = nil return "a" .. print`, `test:1: attempt to concatenate local 'print' (a nil value)`},
		{"out of scope local is global", `do local z = 1 end return "a" .. z`, `test:1: attempt to concatenate global 'z' (a nil value)`},
		{"repeat condition sees body", `repeat local w = {} until w .. "" return 1`, `test:1: attempt to concatenate local 'w' (a table value)`},
		{"a metamethod's result takes its place",
			`local x = setmetatable({}, {__concat = function() return true end}) return "a" .. x .. "b"`,
			`test:1: attempt to concatenate local 'x' (a boolean value)`},
		// The line where the chain starts, as gopher-lua gave it for
		// OP_CONCAT (Lua 5.1 gives the line where it ends).
		{"line of the chain", "local a = 1\nlocal s = 'x' ..\n  a ..\n  nil", `test:2: attempt to concatenate a nil value`},
		{"return is no tail call", "local function f(v)\n  return 'x' .. v\nend\nreturn f()", `test:2: attempt to concatenate local 'v' (a nil value)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, context.Background(), tt.code)
			if err == nil {
				t.Fatal("no error")
			}
			if got, _, _ := strings.Cut(err.Error(), "\n"); got != tt.want {
				t.Fatalf("error %q, want %q", got, tt.want)
			}
		})
	}
}

// TestConcatChunkUnchanged: the rewrite leaves what a chunk can see of
// itself as it was: its varargs, its results, its environment, its
// globals, and no trace of the concatenation function outside a
// traceback.
func TestConcatChunkUnchanged(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"varargs and results", `local a, b = ... return a .. b, select("#", ...)`, "xy\t2"},
		{"setfenv on the chunk", `setfenv(1, {tostring = tostring}) local s = "a" .. 1 return s`, "a1"},
		{"getfenv", `return getfenv(1) == _G, getfenv(0) == _G`, "true\ttrue"},
		{"globals", `local n = 0 for k in pairs(_G) do n = n + 1 end local m = 0 local s = "a" .. "b" for k in pairs(_G) do m = m + 1 end return n == m`, "true"},
		{"no global for the chain", `local s = "a" .. "b" for k, v in pairs(_G) do if type(k) ~= "string" or k:find("concat") and k ~= "concat" then return k end end return "none"`, "none"},
		{"nested functions keep their upvalues", `local x = "x" local function f() return x .. x end return f()`, "xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newState(t)
			fn, err := luastd.Load(L, tt.code, "test")
			if err != nil {
				t.Fatal(err)
			}
			if n := len(fn.Upvalues); n != 0 {
				t.Fatalf("the chunk has %d upvalues, want 0", n)
			}
			L.Push(fn)
			L.Push(lua.LString("x"))
			L.Push(lua.LString("y"))
			if err := L.PCall(2, lua.MultRet, nil); err != nil {
				t.Fatal(err)
			}
			if got := stackText(L); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	// The compiled form has the lines of the source and no constant a
	// script could read as a string.
	proto, err := luastd.Compile("local a = ...\nreturn a ..\n'b'", "lines")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range proto.Constants {
		if s, ok := c.(lua.LString); ok && strings.Contains(string(s), "luastd") {
			t.Errorf("constant %q left in the compiled chunk", s)
		}
	}
	L := newState(t)
	L.Push(L.NewFunctionFromProto(proto))
	L.Push(lua.LNil)
	err = L.PCall(1, 0, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "lines:2: attempt to concatenate local 'a' (a nil value)") {
		t.Fatalf("error %v, want one at lines:2", err)
	}
	if !strings.Contains(err.Error(), "in function '..'") {
		t.Fatalf("traceback does not name the concatenation:\n%v", err)
	}
}

// TestConcatSharedAcrossStates: a compiled chunk (as the chunk cache
// keeps it) runs in many states at once; run with -race.
func TestConcatSharedAcrossStates(t *testing.T) {
	proto, err := luastd.Compile(`local n = ... local s = "" for i = 1, 200 do s = s .. i .. "," end return #s .. ":" .. n`, "shared")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for g := range errs {
		L := newState(t)
		wg.Go(func() {
			L.Push(L.NewFunctionFromProto(proto))
			L.Push(lua.LNumber(g))
			if err := L.PCall(1, 1, nil); err != nil {
				errs[g] = err
				return
			}
			if got, want := L.Get(-1).String(), fmt.Sprintf("692:%d", g); got != want {
				errs[g] = fmt.Errorf("state %d: got %q, want %q", g, got, want)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// TestConcatMemoryLimit: a concatenation larger than the run's cap, or
// than MaxAlloc, is refused before it is built; one within them is built.
func TestConcatMemoryLimit(t *testing.T) {
	capped := luastd.WithMemoryLimit(context.Background(), 1<<20)
	tests := []struct {
		name string
		ctx  context.Context
		code string
		want string // "" for success
	}{
		{"doubling", capped, `local s = "x" while true do s = s .. s end`,
			"memory limit of 1 MiB exceeded: concatenation needs 2097152 bytes"},
		{"chain over the cap", capped, `local s = string.rep("x", 400000) return #(s .. s .. s)`,
			"memory limit of 1 MiB exceeded: concatenation needs 1200000 bytes"},
		{"numbers count", capped, `local s = string.rep("x", 1048575) return #(s .. 12)`,
			"memory limit of 1 MiB exceeded: concatenation needs 1048577 bytes"},
		{"at the cap", capped, `local s = string.rep("x", 1048575) return #(s .. 1)`, ""},
		{"in pcall", capped, `local s = string.rep("x", 600000) local ok, err = pcall(function() return s .. s end) return ok, #s`, ""},
		{"past MaxAlloc without a cap", context.Background(),
			`local s = string.rep("x", 8 * 2^20) return #(s` + strings.Repeat(" .. s", 128) + `)`,
			fmt.Sprintf("memory limit of 1 GiB exceeded: concatenation needs %d bytes", 129*8<<20)},
		{"a metamethod's string counts", capped,
			`local t = setmetatable({}, {__concat = function() return string.rep("y", 600000) end}) return #("x" .. string.rep("z", 600000) .. t .. "w")`,
			"memory limit of 1 MiB exceeded: concatenation needs 1200001 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.ctx, tt.code)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, luastd.ErrMemoryLimit) {
				t.Fatalf("got %q, error %v; want ErrMemoryLimit", got, err)
			}
			var me *luastd.MemoryError
			if !errors.As(err, &me) || me.Func != "concatenation" {
				t.Fatalf("error %v is no concatenation *MemoryError", err)
			}
			if !strings.HasPrefix(err.Error(), "test:1: "+tt.want) {
				t.Fatalf("error %q, want %q at test:1", err, tt.want)
			}
		})
	}
}

// BenchmarkConcat compares concatenation-heavy code compiled with
// luastd.Compile (a checked call per chain) against the same code compiled
// by gopher-lua alone (OP_CONCAT). The two run alternately, one call each
// (1000 concatenations), so that both see the same machine load; the
// metric checked/vm is the median over the pairs of the ratio of their
// times, and ns/op the time of a pair.
func BenchmarkConcat(b *testing.B) {
	cases := []struct{ name, code string }{
		{"short3", `local a, b, c = "ab", "cd", "ef" local s for i = 1, 1000 do s = a .. b .. c end return s`},
		{"short2", `local a = "key:" local s for i = 1, 1000 do s = a .. "x" end return s`},
		{"number", `local s for i = 1, 1000 do s = "k" .. i end return s`},
		{"build", `local s = "" for i = 1, 1000 do s = s .. "x" end return s`},
		{"parts", `local t = {} for i = 1, 1000 do t[i] = "<" .. i .. ":" .. "v" .. ">" end return t`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			chunk, err := parse.Parse(strings.NewReader(c.code), "bench")
			if err != nil {
				b.Fatal(err)
			}
			vmProto, err := lua.Compile(chunk, "bench")
			if err != nil {
				b.Fatal(err)
			}
			checkedProto, err := luastd.Compile(c.code, "bench")
			if err != nil {
				b.Fatal(err)
			}
			L := newState(b)
			// Contexts as deep as a run's: its cap, the watchdog's cause, the
			// run's own cancel.
			ctx, cancelCause := context.WithCancelCause(luastd.WithMemoryLimit(context.Background(), 1<<30))
			defer cancelCause(nil)
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			L.SetContext(ctx)
			vm, checked := L.NewFunctionFromProto(vmProto), L.NewFunctionFromProto(checkedProto)
			var ratios []float64
			for b.Loop() {
				start := time.Now()
				L.Push(vm)
				L.Call(0, 0)
				mid := time.Now()
				L.Push(checked)
				L.Call(0, 0)
				ratios = append(ratios, float64(time.Since(mid))/float64(mid.Sub(start)))
			}
			// The median pair: a pair the scheduler interrupted is an outlier.
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "checked/vm")
		})
	}
}

// TestMemoryUsageCounts: a large request is refused when what the run
// holds (as the host reports it) plus the request would pass the cap;
// small ones never ask what the run holds.
func TestMemoryUsageCounts(t *testing.T) {
	tests := []struct {
		name string
		held int64
		code string
		want string // "" for success
		// fresh is how many first asks are answered 0, so that the
		// string the script builds for the call under test passes.
		fresh int
	}{
		{"held plus request past the cap", 800 << 10, `local s = string.rep("x", 100000) return #(s .. s .. s)`,
			"memory limit of 1 MiB exceeded: concatenation needs 300000 bytes with 819200 in use", 0},
		{"string.rep too", 800 << 10, `return #string.rep("x", 300000)`,
			"memory limit of 1 MiB exceeded: string.rep needs 300000 bytes with 819200 in use", 0},
		{"string.upper", 800 << 10, `local s = ("x"):rep(300000) return #string.upper(s)`,
			"memory limit of 1 MiB exceeded: string.upper needs 300000 bytes with 819200 in use", 1},
		{"string.lower", 800 << 10, `local s = ("x"):rep(300000) return #s:lower()`,
			"memory limit of 1 MiB exceeded: string.lower needs 300000 bytes with 819200 in use", 1},
		{"string.reverse", 800 << 10, `local s = ("x"):rep(300000) return #s:reverse()`,
			"memory limit of 1 MiB exceeded: string.reverse needs 300000 bytes with 819200 in use", 1},
		{"within the cap", 500 << 10, `local s = string.rep("x", 100000) return #(s .. s .. s)`, "", 0},
		{"small requests", 1 << 20, `local s = "" for i = 1, 100 do s = "a" .. i .. "b" end return s`, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			ctx := luastd.WithMemoryUsage(luastd.WithMemoryLimit(context.Background(), 1<<20), func() int64 {
				calls++
				if calls <= tt.fresh {
					return 0
				}
				return tt.held
			})
			_, err := run(t, ctx, tt.code)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(tt.code, "for i") && calls != 0 {
					t.Fatalf("small requests asked what the run holds %d times", calls)
				}
				return
			}
			if !errors.Is(err, luastd.ErrMemoryLimit) || !strings.HasPrefix(err.Error(), "test:1: "+tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestConcatSitesShared: chains whose operands have the same names share
// one function, so generated code with many chains does not run out of
// constants.
func TestConcatSitesShared(t *testing.T) {
	src := `local a, b = "x", "y" local t = {a .. b, a .. b, "c" .. "d", 1 .. 2, b .. a}` + strings.Repeat(` t[#t + 1] = a .. "!"`, 1000) + ` return t`
	proto, err := luastd.Compile(src, "shared")
	if err != nil {
		t.Fatal(err)
	}
	fns := 0
	for _, c := range proto.Constants {
		if _, ok := c.(*lua.LFunction); ok {
			fns++
		}
	}
	if fns != 4 { // a..b; constants; b..a; a.."!"
		t.Fatalf("%d concatenation functions, want 4", fns)
	}
	got, err := run(t, context.Background(), src[:strings.Index(src, " return t")]+` return t[1], t[3], t[4], t[5], #t, t[#t]`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "xy\tcd\t12\tyx\t1005\tx!"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
