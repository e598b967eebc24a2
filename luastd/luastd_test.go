package luastd_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// newState opens a state the way luahost does: gopher-lua's libraries,
// then luastd over them.
func newState(t testing.TB) *lua.LState {
	L := lua.NewState(luastd.Options())
	for _, lib := range []lua.LGFunction{lua.OpenPackage, lua.OpenBase, lua.OpenTable,
		lua.OpenString, lua.OpenMath, lua.OpenOs, lua.OpenCoroutine, lua.OpenDebug} {
		L.Push(L.NewFunction(lib))
		L.Call(0, 0)
	}
	luastd.Open(L)
	t.Cleanup(func() {
		luastd.Forget(L)
		L.Close()
	})
	return L
}

// run runs code in a fresh state under ctx and returns the values of its
// return statement as text, joined by tabs.
func run(t testing.TB, ctx context.Context, code string) (string, error) {
	L := newState(t)
	L.SetContext(ctx)
	fn, err := luastd.Load(L, code, "test")
	if err != nil {
		return "", err
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		if c := luastd.Cause(L, err.Error()); c != nil {
			return "", errors.Join(err, c)
		}
		return "", err
	}
	return stackText(L), nil
}

// wantResults runs code (see run) in a subtest named name and checks that
// its results, joined by tabs, are want.
func wantResults(t *testing.T, name, code, want string) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		got, err := run(t, context.Background(), code)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// wantError runs code (see run) in a subtest named name and checks that
// it fails with an error containing want.
func wantError(t *testing.T, name, code, want string) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		_, err := run(t, context.Background(), code)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v, want one containing %q", err, want)
		}
	})
}

func TestLibrary(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return ("hello world"):find("o w")`, "5\t7"},
		{`return ("hello world"):find("(o)%s(w)")`, "5\t7\to\tw"},
		{`return ("a.b"):find(".", 1, true)`, "2\t2"},
		{`return ("abc"):find("b", -1)`, "nil"},
		{`return ("abc"):find("", 10)`, "4\t3"},
		{`return string.match("key = val", "(%w+)%s*=%s*(%w+)")`, "key\tval"},
		{`return string.match("hello", "()ll()")`, "3\t5"},
		{`return string.match("THE (quick) fox", "%((%a+)%)")`, "quick"},
		{`return string.match("f(a(b)c)d", "%b()")`, "(a(b)c)"},
		{`return string.match("THE quick", "%f[%a]%a+", 4)`, "quick"},
		{`return string.match("abcabc", "(abc)%1")`, "abc"},
		{`return string.match("  x", "^%s*(.-)%s*$")`, "x"},
		{`return string.match("[]", "[]]")`, "]"},
		{`return string.match("a-b", "[%-]")`, "-"},
		{`return string.gsub("hello world", "o", "0")`, "hell0 w0rld\t2"},
		{`return string.gsub("abc", "%w", "%0%0")`, "aabbcc\t3"},
		{`return string.gsub("abc", "%w", "%%")`, "%%%\t3"},
		{`return string.gsub("hello world", "(%w+)", {hello = "HI"})`, "HI world\t2"},
		{`return string.gsub("hello", "", "-")`, "-h-e-l-l-o-\t6"},
		{`return string.gsub("abc", "b*", "X")`, "XaXXcX\t4"}, // Lua 5.1: an empty match right after a match counts
		{`return string.gsub("aaa", "a", "b", 2)`, "bba\t2"},
		{`return string.gsub("x = 1", "(%w+) = (%w+)", "%2 = %1")`, "1 = x\t1"},
		{`return string.gsub("abc", ".", function(c) return c:upper() end)`, "ABC\t3"},
		{`return string.gsub("^a^", "^%^", "x")`, "xa^\t1"},
		{`local n = 0 for a, b in ("k=v, x=y"):gmatch("(%w+)=(%w+)") do n = n + 1 end return n`, "2"},
		{`local t = {} for w in ("^a^a"):gmatch("^a") do t[#t+1] = w end return #t`, "2"},
		{`return string.rep("ab", 3)`, "ababab"},
		{`return string.rep("ab", 0)`, ""},
		{`return string.byte("ABC", 1, -1)`, "65\t66\t67"},
		{`return string.char(72, 105)`, "Hi"},
		{`return string.format("%5.2f|%d|%x|%X|%o", 3.14159, -42.7, 255, 255, 8)`, " 3.14|-42|ff|FF|10"},
		{`return string.format("%q", 'a"b\n\0')`, "\"a\\\"b\\\n\\000\""},
		{`return string.format("%-5s|%5s|%.2s", "ab", "ab", "abc")`, "ab   |   ab|ab"},
		{`return string.format("%g %g %g %e", 1e20, 0.1, 100000, 1)`, "1e+20 0.1 100000 1.000000e+00"},
		{`return string.format("%f %5.1f %d", 1/0, -1/0, 3)`, "inf  -inf 3"},
		{`return string.format("%c%c", 65, 66)`, "AB"},
		{`return string.format("%s %s", 1, 1.5)`, "1 1.5"},
		{`return table.concat({1, "b", 3}, ",")`, "1,b,3"},
		{`return table.concat({1, 2, 3}, ",", 2, 3)`, "2,3"},
		{`local t = {5, 3, 8, 1} table.sort(t) return table.concat(t, " ")`, "1 3 5 8"},
		{`local t = {5, 3, 8, 1} table.sort(t, function(a, b) return a > b end) return table.concat(t, " ")`, "8 5 3 1"},
		{`local t = {1, 2} table.insert(t, 1, 0) table.insert(t, 9) return table.concat(t, " ")`, "0 1 2 9"},
		{`local t = {1, 2, 3} return table.remove(t, 1), table.concat(t, " ")`, "1\t2 3"},
		{`return select("#", unpack({1, 2, 3}))`, "3"},
		{`return select(-1, 1, 2, 3)`, "3"},
		{`return unpack({1, 2, 3}, 2)`, "2\t3"},
		{`return tostring(1/0), tostring(-1/0), math.huge == 1/0, -math.huge < 0`, "inf\t-inf\ttrue\ttrue"},
		{`return 0.1, 1/3, 2^53, 1e15, 123456789012, -0.0`, "0.1\t0.33333333333333\t9.007199254741e+15\t1e+15\t123456789012\t-0"},
		{`return os.date("!%a|%A|%b|%B|%c|%d|%H|%I|%j|%m|%M|%p|%S|%U|%w|%W|%x|%X|%y|%Y|%Z|%%", 1709890200)`,
			"Fri|Friday|Mar|March|Fri Mar  8 09:30:00 2024|08|09|09|068|03|30|AM|00|09|5|10|03/08/24|09:30:00|24|2024|GMT|%"},
		{`local t = os.date("!*t", 1709890200) return t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst`,
			"2024\t3\t8\t9\t30\t0\t6\t68\tfalse"},
		{`local t = 1709890200 return os.time(os.date("*t", t)) == t`, "true"},
		{`return os.time({year = 2024, month = 13, day = 1, hour = 0}) == os.time({year = 2025, month = 1, day = 1, hour = 0})`, "true"},
		{`return loadstring("return 1 + 1")()`, "2"},
		{`local n = 0 return load(function() n = n + 1 if n == 1 then return "return " elseif n == 2 then return "7" end end)()`, "7"},
	}
	for _, tt := range tests {
		wantResults(t, tt.code, tt.code, tt.want)
	}
}

func TestLibraryErrors(t *testing.T) {
	tests := []struct{ code, want string }{
		{`return ("a"):find("%")`, "malformed pattern (ends with '%')"},
		{`return ("a"):find("[a")`, "malformed pattern (missing ']')"},
		{`return ("a"):find("(a")`, "unfinished capture"},
		{`return ("a"):find("(a))")`, "invalid pattern capture"},
		{`return ("a"):find("%1")`, "invalid capture index"},
		{`return ("a"):find("%b")`, "unbalanced pattern"},
		{`return ("a"):find("%f")`, "missing '[' after '%f' in pattern"},
		{`return ("a"):gsub("a", true)`, "string/function/table expected"},
		{`return ("a"):gsub("a", {a = true})`, "invalid replacement value (a boolean)"},
		{`return string.format("%y", 1)`, "invalid option '%y' to 'format'"},
		{`return string.format("%d", "x")`, "number expected"},
		{`return string.char(256)`, "invalid value"},
		{`return table.concat({1, {}, 3})`, "invalid value (table) at index 2 in table for 'concat'"},
		{`return table.insert({}, 1, 2, 3)`, "wrong number of arguments to 'insert'"},
		{`local ok, e = pcall(error) assert(not ok and e == nil) error()`, "nil"}, // error() raises nil
		{`return os.time({year = 2024})`, "field 'day' missing in date table"},
		{`local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function() return true end)`, "invalid order function for sorting"},
	}
	for _, tt := range tests {
		wantError(t, tt.code, tt.code, tt.want)
	}
}

// TestLargeCounts: the stack grows for long result lists (it was fixed at
// gopher-lua's registry size).
func TestLargeCounts(t *testing.T) {
	tests := []struct{ code, want string }{
		{`local t = {} for i = 1, 5000 do t[i] = "x" end return #table.concat(t)`, "5000"},
		{`local t = {} for i = 1, 100000 do t[i] = i end return select("#", unpack(t))`, "100000"},
		{`return select("#", string.rep("x", 100000):byte(1, -1))`, "100000"},
		{`local t = {} for i = 1, 100000 do t[i] = 65 end return #string.char(unpack(t))`, "100000"},
		{`local function n(...) return select("#", ...) end local t = {} for i = 1, 100000 do t[i] = i end return n(unpack(t))`, "100000"},
		{`return select(2, pcall(unpack, {}, 1, 1e8)):match("too many results to unpack")`, "too many results to unpack"},
	}
	for _, tt := range tests {
		wantResults(t, tt.code, tt.code, tt.want)
	}
}

func TestMemoryLimitRefusesBeforeAllocating(t *testing.T) {
	ctx := luastd.WithMemoryLimit(context.Background(), 1<<20)
	tests := []string{
		`return string.rep("x", 2 * 1024 * 1024)`,
		`return string.rep("x", 3.5e9)`,
		`local t = {} for i = 1, 3000 do t[i] = string.rep("x", 1000) end return table.concat(t)`,
		`return (string.rep("x", 600000):gsub("x", "yy"))`,
		`local s = string.rep("x", 600000) return string.format("%s%s", s, s)`,
	}
	for _, code := range tests {
		t.Run(code, func(t *testing.T) {
			_, err := run(t, ctx, code)
			if !errors.Is(err, luastd.ErrMemoryLimit) {
				t.Fatalf("error %v, want ErrMemoryLimit", err)
			}
			if !strings.Contains(err.Error(), "memory limit of 1 MiB exceeded: ") {
				t.Fatalf("error %q does not name the limit and its cap", err)
			}
		})
	}
	// Under the cap, results grow as usual (and in linear time).
	if got, err := run(t, ctx, `return #(string.rep("x", 300000):gsub("x", "yy"))`); err != nil || got != "600000" {
		t.Fatalf("gsub under the cap = %q, %v; want 600000", got, err)
	}
	// Without a cap, a size no process can have is still refused.
	if _, err := run(t, context.Background(), `return string.rep("x", 3.5e9)`); !errors.Is(err, luastd.ErrMemoryLimit) {
		t.Fatalf("string.rep 3.5e9 without cap: %v, want ErrMemoryLimit", err)
	}
}

func TestCompileNesting(t *testing.T) {
	rep := strings.Repeat
	tests := []struct {
		name string
		src  string
		ok   bool
	}{
		{"braces 150", "return " + rep("{", 150) + rep("}", 150), true},
		{"braces 1e6", "return " + rep("{", 1e6) + rep("}", 1e6), false},
		{"parens 1e5", "return " + rep("(", 1e5) + "1" + rep(")", 1e5), false},
		{"calls 1e5", "return " + rep("f(", 1e5) + rep(")", 1e5), false},
		{"functions 1e4", rep("function f() ", 1e4) + rep("end ", 1e4), false},
		{"blocks 150", rep("do ", 150) + rep("end ", 150), true},
		{"blocks 1e5", rep("do ", 1e5) + rep("end ", 1e5), false},
		{"ifs 1e4", rep("if x then ", 1e4) + rep("end ", 1e4), false},
		{"concat 150", "return " + rep(`"a"..`, 150) + `"a"`, true},
		{"concat 1e6", "return " + rep(`"a"..`, 1e6) + `"a"`, false},
		{"unary 1e5", "return " + rep("not ", 1e5) + "x", false},
		{"sums 1e5", "return " + rep("1+", 1e5) + "1", false},
		{"many short lines", rep("x = a .. b .. c + 1 * 2\n", 1e4), true},
		{"many calls", rep("print(1)\n", 1e4) + rep("f(x) g.h:i(y) t[1] = 2 z = 3\n", 1e3), true},
		{"many blocks in a row", rep("do local x = 1 end if x then y = 1 end while x do end repeat until x\n", 1e3), true},
		{"strings hide brackets", `return "((((" .. [[{{{{]] .. '))))' -- ((((` + "\n" + rep("--[[ ((( ]]", 1000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := luastd.Compile(tt.src, "src")
			var sl *luastd.SyntaxLevelError
			if tt.ok && err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if !tt.ok && !errors.As(err, &sl) {
				t.Fatalf("Compile error %v, want a *SyntaxLevelError", err)
			}
			if !tt.ok && !strings.HasPrefix(err.Error(), "src:1: ") {
				t.Fatalf("error %q lacks its position", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("Compile took %v", d)
			}
		})
	}
}

// TestLimitsCorpus runs each adversarial script of testdata/limits under a
// short deadline: each must stop at the deadline (or fail at once with the
// error its first line names), not run on inside a library call.
func TestLimitsCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/limits/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no limit scripts: %v", err)
	}
	const deadline = 300 * time.Millisecond
	// Generous slack for a loaded machine and the race detector: without
	// the checks these scripts run for minutes. The benchmark harness of
	// testdata/limits measures the real overshoot.
	const slack = 2 * time.Second
	ran := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(src), "\n")
		want, ok := strings.CutPrefix(first, "-- want: ")
		if !ok {
			// Scripts without the header stop through the host's checks
			// (the VM, error reporting, the memory watchdog), not the
			// library's; cmd/luahost's harness runs every one.
			continue
		}
		ran++
		t.Run(filepath.Base(f), func(t *testing.T) {
			deadline := deadline
			if want == "deadline" {
				want = context.DeadlineExceeded.Error()
			} else {
				deadline = 10 * time.Second // it must fail by itself
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			_, err = run(t, ctx, string(src))
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
			if want == context.DeadlineExceeded.Error() && took > deadline+slack {
				t.Fatalf("stopped after %v, deadline %v", took, deadline)
			}
		})
	}
	if ran < 20 {
		t.Errorf("%d library-call scripts (with a -- want: line), want at least 20", ran)
	}
}

func BenchmarkGsub10MB(b *testing.B) {
	L := newState(b)
	L.SetGlobal("s", lua.LString(strings.Repeat("a", 10<<20)))
	fn, err := luastd.Load(L, `local r = s:gsub("a", "bb") return #r`, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 1)
		L.Pop(1)
	}
}

func BenchmarkPattern(b *testing.B) {
	subject := strings.Repeat("lorem ipsum dolor sit amet, key=value; ", 25000) // ~1 MB
	for _, bm := range []struct{ name, code string }{
		{"find_plain", `return s:find("zzz", 1, true)`},
		{"find_class", `return s:find("%d")`},
		{"match_capture", `return s:match("(%w+)=(%w+);$")`},
		{"gmatch_words", `local n = 0 for w in s:gmatch("%a+") do n = n + 1 end return n`},
		{"gsub_class", `return (s:gsub("%s+", " "))`},
		{"backtrack", `return s:find(".-=.-;.-x")`},
	} {
		b.Run(bm.name, func(b *testing.B) {
			L := newState(b)
			L.SetGlobal("s", lua.LString(subject))
			fn, err := luastd.Load(L, bm.code, "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(subject)))
			for b.Loop() {
				L.Push(fn)
				L.Call(0, lua.MultRet)
				L.SetTop(0)
			}
		})
	}
}

// stackText returns the values on L's stack as tostring shows them,
// joined by tabs.
func stackText(L *lua.LState) string {
	var out []string
	for i := 1; i <= L.GetTop(); i++ {
		out = append(out, luastd.ToString(L, L.Get(i)))
	}
	return strings.Join(out, "\t")
}
