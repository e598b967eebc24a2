package luastd_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// items returns n items "f(1),f(2),...", joined by commas.
func items(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i + 1)
	}
	return strings.Join(parts, ",")
}

// statements returns n statements f(1) f(2) ..., one a line.
func statements(n int, f func(i int) string) string {
	return strings.ReplaceAll(items(n, f), ",", "\n")
}

func number(i int) string { return fmt.Sprint(i) }

// TestLargeConstructors checks tables built by constructors of every size
// against what lua5.1 builds (each want was printed by lua5.1; the lua51
// differential corpus covers more).
func TestLargeConstructors(t *testing.T) {
	// summary returns #t, the count of its keys, the sum of its number
	// values, and t[0], t[n], t[n+1] for the n given to the chunk.
	const summary = ` local n = ... local keys, sum = 0, 0
for k, v in pairs(t) do keys = keys + 1 if type(v) == "number" then sum = sum + v end end
return #t, keys, sum, t[0], t[n], t[n + 1]`
	tests := []struct {
		name, code string
		n          int
		want       string
	}{
		{"25550 numbers", "local t = {" + items(25550, number) + "}" + summary, 25550, "25550\t25550\t326414025\tnil\t25550\tnil"},
		{"25551 numbers", "local t = {" + items(25551, number) + "}" + summary, 25551, "25551\t25551\t326439576\tnil\t25551\tnil"},
		{"50*512+1 numbers", "local t = {" + items(25601, number) + "}" + summary, 25601, "25601\t25601\t327718401\tnil\t25601\tnil"},
		{"100000 numbers", "local t = {" + items(100000, number) + "}" + summary, 100000, "100000\t100000\t5000050000\tnil\t100000\tnil"},
		{"100000 strings", "local t = {" + items(100000, func(i int) string { return fmt.Sprintf("%q", fmt.Sprint("s", i%7)) }) + "}" + summary,
			100000, "100000\t100000\t0\tnil\ts5\tnil"},
		{"25550 then a call", "local function f() return 1, 2, 3 end local t = {" + items(25550, number) + ", f()}" + summary,
			25553, "25553\t25553\t326414031\tnil\t3\tnil"},
		{"25550 then a call in parentheses", "local function f() return 1, 2, 3 end local t = {" + items(25550, number) + ", (f())}" + summary,
			25551, "25551\t25551\t326414026\tnil\t1\tnil"},
		{"25550 then a field then ...", "local t = (function(...) return {" + items(25550, number) + ", k = 5, ...} end)(7, 8)" + summary,
			25552, "25552\t25553\t326414045\tnil\t8\tnil"},
		{"25550 calls then a call", "local function f() return 1, 2 end local t = {" + items(25550, func(int) string { return "f()" }) + ", f()}" + summary,
			25551, "25552\t25552\t25553\tnil\t1\t2"},
		{"100 then a call", "local function f() return 1, 2 end local t = {" + items(100, number) + ", f()}" + summary,
			102, "102\t102\t5053\tnil\t2\tnil"},
		{"50 then a field of a call", "local function f() return 1, 2 end local t = {" + items(50, number) + ", [f()] = f()}" + summary,
			50, "50\t50\t1275\tnil\t50\tnil"},
		{"2 then a field of ...", "local t = (function(...) return {7, 8, k = ...} end)(1, 2, 3)" + summary,
			2, "2\t3\t16\tnil\t8\tnil"},
		{"records", "local t = {" + items(30000, func(i int) string { return fmt.Sprintf("{id = %d, name = %q}", i, fmt.Sprint("n", i)) }) + "}" +
			` local n = ... local sum = 0 for i = 1, #t do sum = sum + t[i].id end return #t, sum, t[n].name, t[1].name`,
			30000, "30000\t450015000\tn30000\tn1"},
		{"hash fields", "local t = {" + items(30000, func(i int) string { return fmt.Sprintf("k%d = %d, [%d] = -%d", i, i, -i, i) }) + "}" + summary,
			0, "0\t60000\t0\tnil\tnil\tnil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L := newState(t)
			fn, err := luastd.Load(L, tt.code, "big")
			if err != nil {
				t.Fatal(err)
			}
			L.Push(fn)
			L.Push(lua.LNumber(tt.n))
			if err := L.PCall(1, -1, nil); err != nil {
				t.Fatal(err)
			}
			if got := stackText(L); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestConstantsRefused checks the compile errors of functions whose
// constants luahost does not compile: more than Lua 5.1 allows, and too
// many distinct global names for the compile to stay fast.
func TestConstantsRefused(t *testing.T) {
	tests := []struct {
		name, code string
		line       int
		want       string
	}{
		{"constant table overflow", "return {" + items(270000, number) + "}", 1,
			"big:1: constant table overflow (function has more than 262143 constants)"},
		{"distinct globals", "local x = 1\nfunction f()\n" + strings.Repeat("\n", 3) + statements(20000, func(i int) string { return fmt.Sprintf("g%d = 1", i) }) + " end", 2,
			"big:2: function has too many distinct names and operands (20001) to compile in bounded time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := luastd.Compile(tt.code, "big")
			var se *luastd.SyntaxError
			var ce *luastd.ConstantsError
			if !errors.As(err, &se) || !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *SyntaxError of a *ConstantsError", err, err)
			}
			if err.Error() != tt.want || se.Line != tt.line {
				t.Fatalf("error %q at line %d, want %q at line %d", err, se.Line, tt.want, tt.line)
			}
		})
	}
	// The same names as locals are no constants: that compiles.
	code := "local x\nfunction f()\n" + statements(20000, func(i int) string { return fmt.Sprintf("do local g%d = 1 g%d = g%d + 1 end", i, i, i) }) + " end"
	if _, err := luastd.Compile(code, "big"); err != nil {
		t.Fatal(err)
	}
}

// TestLoadHugeConstructorBeforeDeadline checks that a chunk of 100,000
// distinct constants compiles well within a deadline, in Load and in
// loadstring: gopher-lua alone takes over a minute, which a run at its
// deadline left behind on a goroutine.
func TestLoadHugeConstructorBeforeDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	got, err := run(t, ctx, "local t = {"+items(100000, number)+"} return #t, t[100000]")
	if err != nil || got != "100000\t100000" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = run(t, ctx, `local items = {} for i = 1, 100000 do items[i] = "k" .. i .. " = " .. i end
local f = assert(loadstring("return {" .. table.concat(items, ",") .. "}"))
local t = f() return t.k1, t.k100000`)
	if err != nil || got != "1\t100000" {
		t.Fatalf("got %q, %v", got, err)
	}
	t.Logf("both in %v", time.Since(start))
}
