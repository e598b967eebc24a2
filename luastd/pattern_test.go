package luastd_test

import (
	"context"
	"os/exec"
	"testing"
)

// capturesPrelude defines what the cases of TestPatternCapturesAsLua51
// call: show prints a pcall's outcome with each value's type (a position
// capture is a number, a string capture a string) and errors without
// their position; gmatchAll lists what gmatch yields.
const capturesPrelude = `local function show(ok, ...)
  local t = {tostring(ok)}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if not ok then v = (string.gsub(tostring(v), "^[^:]*:%d+: ", "")) end
    t[#t + 1] = type(v) .. ":" .. tostring(v)
  end
  return table.concat(t, " ")
end
local function gmatchAll(s, p)
  local r = {}
  for a, b in string.gmatch(s, p) do r[#r + 1] = type(a) .. ":" .. tostring(a) .. "/" .. tostring(b) end
  return table.concat(r, ",")
end
local function typeOf(v) return type(v) end
`

// TestPatternCapturesAsLua51 checks captures at their edges (back
// references to position captures, to missing or unfinished captures,
// position captures in replacement strings) in find, match, gmatch and
// gsub against Lua 5.1: each want was printed by lua5.1 for its case,
// and is checked against lua5.1 again when it is installed.
func TestPatternCapturesAsLua51(t *testing.T) {
	cases := []struct{ call, want string }{
		{`pcall(string.find, "abc", "()%1")`,
			"true nil:nil"},
		{`pcall(string.match, "abc", "()%1")`,
			"true nil:nil"},
		{`pcall(string.gsub, "abc", "()%1", "x")`,
			"true string:abc number:0"},
		{`pcall(gmatchAll, "abc", "()%1")`,
			"true string:"},
		{`pcall(string.find, "abc", "(a)()%2")`,
			"true nil:nil"},
		{`pcall(string.match, "abcabc", "()(b)()%2")`,
			"true nil:nil"},
		{`pcall(string.gsub, "abab", "(a)()%2", "x")`,
			"true string:abab number:0"},
		{`pcall(string.find, "aa", "(a)%1")`,
			"true number:1 number:2 string:a"},
		{`pcall(string.find, "aaaa", "^(a*)%1$")`,
			"true number:1 number:4 string:aa"},
		{`pcall(string.find, "abc", "()()%2")`,
			"true nil:nil"},
		{`pcall(string.find, "abc", "%0")`,
			"false string:invalid capture index"},
		{`pcall(string.find, "abc", "%1")`,
			"false string:invalid capture index"},
		{`pcall(string.find, "abc", "(a)%2")`,
			"false string:invalid capture index"},
		{`pcall(string.find, "abc", "(a)%9")`,
			"false string:invalid capture index"},
		{`pcall(string.match, "abc", "(()%1)")`,
			"false string:invalid capture index"},
		{`pcall(string.match, "abc", "(a%1)")`,
			"false string:invalid capture index"},
		{`pcall(string.find, "abc", "(a")`,
			"false string:unfinished capture"},
		{`pcall(string.match, "abc", "(a")`,
			"false string:unfinished capture"},
		{`pcall(string.gsub, "abc", "(b", "x")`,
			"true string:axc number:1"},
		{`pcall(string.gsub, "abc", "(b", "%1")`,
			"false string:unfinished capture"},
		{`pcall(string.gsub, "abc", "(b", "%0")`,
			"true string:abc number:1"},
		{`pcall(gmatchAll, "abc", "(b")`,
			"false string:unfinished capture"},
		{`pcall(string.find, "abc", "a)")`,
			"true nil:nil"},
		{`pcall(string.match, "abc", "a)")`,
			"false string:invalid pattern capture"},
		{`pcall(string.find, "abc", "()")`,
			"true number:1 number:0 number:1"},
		{`pcall(string.match, "abc", "()")`,
			"true number:1"},
		{`pcall(string.match, "abc", "()", 4)`,
			"true number:4"},
		{`pcall(gmatchAll, "abc", "()")`,
			"true string:number:1/nil,number:2/nil,number:3/nil,number:4/nil"},
		{`pcall(gmatchAll, "abc", "()(.)")`,
			"true string:number:1/a,number:2/b,number:3/c"},
		{`pcall(string.gsub, "abc", "()b", "%1")`,
			"true string:a2c number:1"},
		{`pcall(string.gsub, "abc", "()b", "[%0]")`,
			"true string:a[b]c number:1"},
		{`pcall(string.gsub, "abc", "()(b)", "%1%2")`,
			"true string:a2bc number:1"},
		{`pcall(string.gsub, "abc", "b", "%1")`,
			"true string:abc number:1"},
		{`pcall(string.gsub, "abc", "b", "%2")`,
			"false string:invalid capture index"},
		{`pcall(string.gsub, "abc", "(b)", "%2")`,
			"false string:invalid capture index"},
		{`pcall(string.gsub, "abc", "b", "%")`,
			"true string:a\x00c number:1"},
		{`pcall(string.gsub, "abc", "b", "%x")`,
			"true string:axc number:1"},
		{`pcall(string.gsub, "abc", "b", "%%")`,
			"true string:a%c number:1"},
		{`pcall(string.gsub, "abc", "()b", typeOf)`,
			"true string:anumberc number:1"},
		{`pcall(string.gsub, "abc", "()b", {[2] = "X"})`,
			"true string:aXc number:1"},
		{`pcall(string.gsub, "abc", "()", "-")`,
			"true string:-a-b-c- number:4"},
		{`pcall(string.gsub, "abc", "()", "%1")`,
			"true string:1a2b3c4 number:4"},
	}
	lua51, _ := exec.LookPath("lua5.1")
	for _, c := range cases {
		t.Run(c.call, func(t *testing.T) {
			if lua51 != "" {
				out, err := exec.Command(lua51, "-e", capturesPrelude+"io.write(show("+c.call+"))").Output()
				if err != nil {
					t.Fatalf("lua5.1: %v", err)
				}
				if string(out) != c.want {
					t.Fatalf("want is stale: lua5.1 prints %q", out)
				}
			}
			got, err := run(t, context.Background(), capturesPrelude+"return show("+c.call+")")
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("got %q, lua5.1 gives %q", got, c.want)
			}
		})
	}
}
