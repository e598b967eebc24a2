package repl

import (
	"errors"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestCompileChunk(t *testing.T) {
	tests := []struct {
		src  string
		want string // "ok", "incomplete", or the start of the syntax error
	}{
		{"1+1", "ok"},
		{"=1+1", "ok"},
		{"f()", "ok"},
		{"x = 1", "ok"},
		{"local x", "ok"},
		{"function f()", "incomplete"},
		{"if x then", "incomplete"},
		{"do", "incomplete"},
		{"while true do", "incomplete"},
		{"repeat", "incomplete"},
		{"t = {", "incomplete"},
		{"f(1,", "incomplete"},
		{"x = [[long", "incomplete"},
		{"x = [==[long", "incomplete"},
		{"--[[ comment", "incomplete"},
		{"x = 'a\\", "incomplete"},
		{"1 +", "incomplete"},
		{"x = 'unfinished", `stdin:1:5: unfinished string near '\'unfinished'`},
		{"x = = 1", "stdin:1:5: unexpected symbol near '='"},
		{"end", "stdin:1:1: '<eof>' expected near 'end'"},
		{"f\n(g)", "stdin:2:1: ambiguous syntax (function call x new statement) near '('"},
	}
	for _, tt := range tests {
		_, err := compileChunk(tt.src + "\n")
		var got string
		switch {
		case errors.Is(err, errIncomplete):
			got = "incomplete"
		case err != nil:
			got = syntaxError(err)
		default:
			got = "ok"
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q: %s, want %s", tt.src, got, tt.want)
		}
	}
}

// eval runs code returning one value in a fresh state.
func eval(t *testing.T, code string) (*lua.LState, lua.LValue) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	if err := L.DoString(code); err != nil {
		t.Fatal(err)
	}
	return L, L.Get(-1)
}

func TestFormatLimits(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		code string
		want string
	}{
		{"items", Limits{MaxItems: 2}, "return {1, 2, 3, 4}", "{\n  1,\n  2,\n  ... (2 more)\n}\n"},
		{"depth", Limits{MaxDepth: 1}, "return {a = {b = 1}, c = {}}", "{a = {...}, c = {}}\n"},
		{"string", Limits{MaxString: 3}, `return {"abcdef"}`, "{\"abc\"... (6 bytes)}\n"},
		{"string keeps characters whole", Limits{MaxString: 2}, `return {"éé"}`, "{\"é\"... (4 bytes)}\n"},
		{"lines", Limits{MaxLines: 2}, "return {{1}, {2}, {3}, 'x', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'}",
			"{\n  {1},\n... (output truncated at 2 lines)\n"},
		{"bytes", Limits{MaxBytes: 5}, "return string.rep('x', 10)", "xxxxx\n... (output truncated at 5 bytes)\n"},
		{"bytes keep characters whole", Limits{MaxBytes: 3}, "return 'éé'", "é\n... (output truncated at 3 bytes)\n"},
		{"width", Limits{}, "return {" + strings.Repeat("'abcdefgh', ", 7) + "}",
			"{\n" + strings.Repeat("  \"abcdefgh\",\n", 7) + "}\n"},
		{"fits the width", Limits{}, "return {" + strings.Repeat("'abcdefgh', ", 6) + "}",
			"{" + strings.TrimSuffix(strings.Repeat("\"abcdefgh\", ", 6), ", ") + "}\n"},
	}
	for _, tt := range tests {
		L, v := eval(t, tt.code)
		got := format(L, tt.lim, func(v lua.LValue) string { return v.String() }, []lua.LValue{v})
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestFormatOrdersKeysStably(t *testing.T) {
	L, v := eval(t, `local t = {}
		for _, k in ipairs({"b", "a", "B", "_"}) do t[k] = 1 end
		t[3] = 1 t[-2] = 1 t[0.5] = 1 t[false] = 1 t[true] = 1
		return t`)
	want := "{\n  [-2] = 1,\n  [0.5] = 1,\n  [3] = 1,\n  B = 1,\n  _ = 1,\n  a = 1,\n  b = 1,\n  [false] = 1,\n  [true] = 1,\n}\n"
	for range 5 { // map order varies from run to run; the output must not
		if got := format(L, Limits{}, nil, []lua.LValue{v}); got != want {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	}
}

func TestComplete(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	err := L.DoString(`
		t = {alpha = 1, alps = 2, beta = 3, ["not ident"] = 4, nested = {deep = 1}}
		obj = setmetatable({own = 1}, {__index = {method = function() end, field = 1}})
		ud = newproxy and newproxy(true)
		str = "text"`)
	if err != nil {
		t.Fatal(err)
	}
	// A userdata whose metatable's __index holds methods, like a store handle.
	ud := L.NewUserData()
	meta := L.NewTable()
	methods := L.NewTable()
	methods.RawSetString("get", L.NewFunction(func(*lua.LState) int { return 0 }))
	methods.RawSetString("getall", L.NewFunction(func(*lua.LState) int { return 0 }))
	methods.RawSetString("size", lua.LNumber(1))
	meta.RawSetString("__index", methods)
	ud.Metatable = meta
	L.SetGlobal("h", ud)

	tests := []struct {
		line   string
		want   []string
		prefix string
	}{
		{"pri", []string{"print"}, "pri"},
		{"x = ret", []string{"return"}, "ret"},
		{"string.fo", []string{"format"}, "fo"},
		{"t.al", []string{"alpha", "alps"}, "al"},
		{"t.", []string{"alpha", "alps", "beta", "nested"}, ""},
		{"t.nested.d", []string{"deep"}, "d"},
		{"obj.", []string{"field", "method", "own"}, ""},
		{"obj:", []string{"method"}, ""},
		{"h:ge", []string{"get", "getall"}, "ge"},
		{"h:", []string{"get", "getall"}, ""},
		{"str:up", []string{"upper"}, "up"},
		{"print(t.be", []string{"beta"}, "be"},
		{"t.missing.x", nil, ""},
		{"h:get:x", nil, ""},
		{"1.5", nil, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		got, prefix := complete(L, tt.line)
		if !slices.Equal(got, tt.want) || prefix != tt.prefix {
			t.Errorf("%q: %q (prefix %q), want %q (prefix %q)", tt.line, got, prefix, tt.want, tt.prefix)
		}
	}
}
