package luastd_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luahost/luahost/luastd"
)

// eval runs code in a fresh luastd state with the given globals and
// returns the values it returns as tostring shows them, tab-separated.
func eval(t *testing.T, code string, globals map[string]lua.LValue) string {
	t.Helper()
	L := newState(t)
	for k, v := range globals {
		L.SetGlobal(k, v)
	}
	fn, err := luastd.Load(L, code, "test")
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		t.Fatal(err)
	}
	return stackText(L)
}

// TestLoadStringSyntaxError checks the second result of loadstring for
// source that does not compile against PUC Lua 5.1.5's (each want was
// printed by lua5.1; cmd/luahost's differential test checks many of them
// against lua5.1 itself).
func TestLoadStringSyntaxError(t *testing.T) {
	tests := []struct {
		name, src string
		chunk     lua.LValue // loadstring's second argument
		want      string
	}{
		{"ends early", "x = ", lua.LNil, `[string "x = "]:1: unexpected symbol near '<eof>'`},
		{"unexpected token", "x = = 1", lua.LNil, `[string "x = = 1"]:1: unexpected symbol near '='`},
		{"statement after the end", "local x = 1\nend", lua.LNil, `[string "local x = 1..."]:2: '<eof>' expected near 'end'`},
		{"ambiguous call", "f\n(g)", lua.LNil, `[string "f..."]:2: ambiguous syntax (function call x new statement) near '('`},
		{"empty statement", "a.b.c = 1 ; ; ", lua.LNil, `[string "a.b.c = 1 ; ; "]:1: unexpected symbol near ';'`},
		{"break outside a loop", "break", lua.LNil, `[string "break"]:1: no loop to break near '<eof>'`},
		{"statement after break", "while true do break x = 1 end", lua.LNil, `[string "while true do break x = 1 end"]:1: 'end' expected near 'x'`},
		{"statement after return", "x = 1 return 2 x = 3", lua.LNil, `[string "x = 1 return 2 x = 3"]:1: '<eof>' expected near 'x'`},
		{"vararg outside a vararg function", "function f() return ... end", lua.LNil, `[string "function f() return ... end"]:1: cannot use '...' outside a vararg function near '...'`},
		{"unclosed function", "function f()\n  return 1\n", lua.LNil, `[string "function f()..."]:3: 'end' expected (to close 'function' at line 1) near '<eof>'`},
		{"unclosed parenthesis", "x = (1\n+ 2", lua.LNil, `[string "x = (1..."]:2: ')' expected (to close '(' at line 1) near '<eof>'`},
		{"unclosed table", "t = {\n1,\n2\n", lua.LNil, `[string "t = {..."]:4: '}' expected (to close '{' at line 1) near '<eof>'`},
		{"unclosed if", "if x then\n  y()\nelse\n", lua.LNil, `[string "if x then..."]:4: 'end' expected (to close 'if' at line 1) near '<eof>'`},
		{"repeat without until", "repeat x = 1", lua.LNil, `[string "repeat x = 1"]:1: 'until' expected near '<eof>'`},
		{"for without a comma", "for i = 1 do end", lua.LNil, `[string "for i = 1 do end"]:1: ',' expected near 'do'`},
		{"for without = or in", "for i do end", lua.LNil, `[string "for i do end"]:1: '=' or 'in' expected near 'do'`},
		{"parameter list", "function f(a,) end", lua.LNil, `[string "function f(a,) end"]:1: <name> or '...' expected near ')'`},
		{"name expected", "local function end", lua.LNil, `[string "local function end"]:1: '<name>' expected near 'end'`},
		{"assignment to a call", "a, f() = 1, 2", lua.LNil, `[string "a, f() = 1, 2"]:1: syntax error near '='`},
		{"assignment to a parenthesis", "(a) = 1", lua.LNil, `[string "(a) = 1"]:1: syntax error near '='`},
		{"method without arguments", "a.b:c = 1", lua.LNil, `[string "a.b:c = 1"]:1: function arguments expected near '='`},
		{"expression statement", "x = 1 y", lua.LNil, `[string "x = 1 y"]:1: '=' expected near '<eof>'`},
		{"table fields", "x = {a b}", lua.LNil, `[string "x = {a b}"]:1: '}' expected near 'b'`},
		{"table key", "local t = {[1] 2}", lua.LNil, `[string "local t = {[1] 2}"]:1: '=' expected near '2'`},
		{"Lua 5.2 goto", "goto continue", lua.LNil, `[string "goto continue"]:1: '=' expected near 'continue'`},
		{"Lua 5.3 operator", "x = a // b", lua.LNil, `[string "x = a // b"]:1: unexpected symbol near '/'`},
		{"unfinished string at a newline", "x = \"abc\ny", lua.LNil, `[string "x = "abc..."]:1: unfinished string near '"abc'`},
		{"unfinished string at the end", `x = "abc`, lua.LNil, `[string "x = "abc"]:1: unfinished string near '<eof>'`},
		{"unfinished long string", "x = [==[ unfinished", lua.LNil, `[string "x = [==[ unfinished"]:1: unfinished long string near '<eof>'`},
		{"unfinished long comment", "--[==[ unfinished", lua.LNil, `[string "--[==[ unfinished"]:1: unfinished long comment near '<eof>'`},
		{"nested long string", "x = [[ a [[ b ]]", lua.LNil, `[string "x = [[ a [[ b ]]"]:1: nesting of [[...]] is deprecated near '['`},
		{"long string delimiter", "x = [=a", lua.LNil, `[string "x = [=a"]:1: invalid long string delimiter near '[='`},
		{"escape too large", `x = '\300'`, lua.LNil, `[string "x = '\300'"]:1: escape sequence too large near '''`},
		{"malformed exponent", "x = 1e", lua.LNil, `[string "x = 1e"]:1: malformed number near '1e'`},
		{"malformed dots", "x = 3..4", lua.LNil, `[string "x = 3..4"]:1: malformed number near '3..4'`},
		{"malformed hexadecimal", "return 0x", lua.LNil, `[string "return 0x"]:1: malformed number near '0x'`},
		{"malformed letters", "return .5e-3x", lua.LNil, `[string "return .5e-3x"]:1: malformed number near '.5e-3x'`},
		{"control byte", "x = \x01", lua.LNil, `[string "x = ` + "\x01" + `"]:1: unexpected symbol near 'char(1)'`},
		{"NUL token", "x = \x00", lua.LNil, `[string "x = "]:1: unexpected symbol`},
		{"too deep", "return " + strings.Repeat("(", 300), lua.LNil, `[string "return ` + strings.Repeat("(", 56) + `..."]:1: chunk has too many syntax levels`},
		{"=name", "x = ", lua.LString("=name"), `name:1: unexpected symbol near '<eof>'`},
		{"@file", "x = ", lua.LString("@dir/file.lua"), `dir/file.lua:1: unexpected symbol near '<eof>'`},
		{"long =name", "x = ", lua.LString("=" + strings.Repeat("n", 100)), strings.Repeat("n", 79) + `:1: unexpected symbol near '<eof>'`},
		{"long @file", "x = ", lua.LString("@" + strings.Repeat("f", 100)), "..." + strings.Repeat("f", 72) + `:1: unexpected symbol near '<eof>'`},
		{"long source name", "x = ", lua.LString(strings.Repeat("s", 100)), `[string "` + strings.Repeat("s", 63) + `..."]:1: unexpected symbol near '<eof>'`},
		{"source of 63 bytes", strings.Repeat("s", 60) + " = ", lua.LNil, `[string "` + strings.Repeat("s", 60) + ` = "]:1: unexpected symbol near '<eof>'`},
		{"source of 64 bytes", strings.Repeat("s", 61) + " = ", lua.LNil, `[string "` + strings.Repeat("s", 61) + ` =..."]:1: unexpected symbol near '<eof>'`},
		{"name ends at NUL", "x = 1\x00 y", lua.LNil, `[string "x = 1"]:1: '=' expected near '<eof>'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval(t, "return select('#', loadstring(src, chunk)), select(2, loadstring(src, chunk))",
				map[string]lua.LValue{"src": lua.LString(tt.src), "chunk": tt.chunk})
			if want := "2\t" + tt.want; got != want {
				t.Errorf("loadstring(%q) gives\n%s\nwant\n%s", tt.src, got, want)
			}
		})
	}
}

// TestLoadReaderSyntaxError checks load with a reader function: the
// pieces are one chunk, named "=(load)" unless named.
func TestLoadReaderSyntaxError(t *testing.T) {
	code := `
		local function reader(parts)
			local i = 0
			return function() i = i + 1 return parts[i] end
		end
		local _, a = load(reader({"local x", " = ", "1 +"}))
		local _, b = load(reader({"local x", "\n= ", "1 +"}), "=reader")
		local _, c = load(reader({"x = ", "'abc"}), "@some/file.lua")
		return a, b, c`
	want := "(load):1: unexpected symbol near '<eof>'\treader:2: unexpected symbol near '<eof>'\t" +
		"some/file.lua:1: unfinished string near '<eof>'"
	if got := eval(t, code, nil); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestLoadFileSyntaxError checks what loadfile returns and dofile raises
// for files that do not compile or cannot be read, as Lua 5.1's
// luaL_loadfile words it.
func TestLoadFileSyntaxError(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.lua", "x = 1\nlocal y = = 2\n")
	bang := write("bang.lua", "#!/usr/bin/lua\nreturn (\n")
	missing := filepath.Join(dir, "missing.lua")
	tests := []struct{ name, path, want string }{
		{"syntax error", bad, bad + ":2: unexpected symbol near '='"},
		{"after a #! line", bang, bang + ":3: unexpected symbol near '<eof>'"},
		{"missing file", missing, "cannot open " + missing + ": No such file or directory"},
		{"directory", dir, "cannot read " + dir + ": Is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval(t, "local f, lerr = loadfile(path) local ok, derr = pcall(dofile, path) return f, lerr, ok, derr",
				map[string]lua.LValue{"path": lua.LString(tt.path)})
			if want := "nil\t" + tt.want + "\tfalse\t" + tt.want; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestCompileSyntaxErrorFields checks the fields of the *SyntaxError
// Compile returns, which the REPL and runtime.SyntaxError's users read.
func TestCompileSyntaxErrorFields(t *testing.T) {
	tests := []struct {
		name, src string
		want      luastd.SyntaxError // Err is checked by errKind
		errKind   string             // "", "levels" or "parser"
	}{
		{"token", "x = 1\n  y = = 2", luastd.SyntaxError{Line: 2, Column: 7, Message: "unexpected symbol", Near: "="}, ""},
		{"at the end", "return (\n", luastd.SyntaxError{Line: 2, Message: "unexpected symbol", Near: "<eof>", AtEOF: true}, ""},
		{"string at the end", "x = 'abc", luastd.SyntaxError{Line: 1, Message: "unfinished string", Near: "<eof>", AtEOF: true}, ""},
		{"string at a newline", "x = 'abc\n'", luastd.SyntaxError{Line: 1, Column: 5, Message: "unfinished string", Near: "'abc"}, ""},
		{"unclosed block", "do\n", luastd.SyntaxError{Line: 2, Message: "'end' expected (to close 'do' at line 1)", Near: "<eof>", AtEOF: true}, ""},
		{"too deep", "x = " + strings.Repeat("{", 300), luastd.SyntaxError{Line: 1, Message: "chunk has too many syntax levels"}, "levels"},
		// Lua 5.1 reads 0x1p4 as 16 (C's strtod); gopher-lua does not.
		{"gopher-lua only", "x = 0x1p4", luastd.SyntaxError{Line: 1, Message: "parse error", Near: "<eof>"}, "parser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proto, err := luastd.Compile(tt.src, "h.lua")
			var se *luastd.SyntaxError
			if proto != nil || !errors.As(err, &se) {
				t.Fatalf("Compile = %v, %v; want a *SyntaxError", proto, err)
			}
			got := *se
			got.Err = nil
			want := tt.want
			want.Chunk = "h.lua"
			if got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
			var le *luastd.SyntaxLevelError
			var pe *parse.Error
			switch tt.errKind {
			case "":
				if se.Err != nil {
					t.Errorf("Err = %v, want nil", se.Err)
				}
			case "levels":
				if !errors.As(err, &le) || le.Line != 1 {
					t.Errorf("Err = %v, want a *SyntaxLevelError at line 1", se.Err)
				}
			case "parser":
				if !errors.As(err, &pe) {
					t.Errorf("Err = %v, want gopher-lua's *parse.Error", se.Err)
				}
			}
		})
	}
}

// TestSyntaxErrorText checks how Error writes a token's bytes: raw as Lua
// 5.1 does, except control bytes and bytes that are not UTF-8.
func TestSyntaxErrorText(t *testing.T) {
	tests := []struct{ near, want string }{
		{"", "f:3: m"},
		{"<eof>", "f:3: m near '<eof>'"},
		{`"a 'b'`, `f:3: m near '"a 'b''`},
		{"\"a\tb\nc", "f:3: m near '\"a\tb\nc'"},
		{"\"é ü", "f:3: m near '\"é ü'"},
		{"\"a\x01b\rc\x1b[2J", `f:3: m near '"a\x01b\x0dc\x1b[2J'`},
		{"\"\xc3(", `f:3: m near '"\xc3('`},
		{"\"\u202e", `f:3: m near '"\xe2\x80\xae'`},
	}
	for _, tt := range tests {
		e := &luastd.SyntaxError{Chunk: "f", Line: 3, Message: "m", Near: tt.near}
		if got := e.Error(); got != tt.want {
			t.Errorf("Near %q: Error() = %q, want %q", tt.near, got, tt.want)
		}
	}
}

// TestCompileAcceptsLua51 checks that source Lua 5.1 compiles is not
// refused by the syntax rules luastd runs first.
func TestCompileAcceptsLua51(t *testing.T) {
	srcs := []string{
		"",
		"return",
		"return;",
		"x = 1; y = 2;",
		"local function f(a, b, ...) return a + b, ... end",
		"function a.b.c:m(x) return self, x end",
		"for i = 1, 10, 2 do if i > 5 then break end end",
		"for k, v in pairs({}) do local z = k .. v end",
		"t = {1, 2; x = 3, [\"y\"] = 4, [f and 1 or 2] = 5,}",
		"if a then b() elseif c then d() else e() end",
		"repeat local z = 1 until z == 1",
		"while x do x = nil; break end",
		"a.b.c:d 'e' {f} [[g]] (h)",
		"x, y.z, w[1] = 1, 2, 3",
		"return -x ^ 2 .. 'a' .. #t, not not x, 1 < 2 == true",
		"return 0x1F, 0XaB, 1e5, 1E+5, 2.5e-3, .5, 5., 3 .. 4",
		"s = '\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\\065\\0\\\n'",
		"s = [==[\n]] ]=] ]==] .. [[\n[=[ ]]",
		"--[==[ long\n comment [[ ]==] x = 1 -- short",
		"x = 1\r\ny = 2\n\rz = 3\r",
		"local f = function(...) local t = {...} return select('#', ...) end",
	}
	for _, src := range srcs {
		_, err := luastd.Compile(src, "ok")
		var se *luastd.SyntaxError
		if errors.As(err, &se) && se.Err == nil {
			t.Errorf("Compile(%q): %v", src, err)
		}
	}
}
