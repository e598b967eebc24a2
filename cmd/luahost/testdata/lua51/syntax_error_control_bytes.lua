-- A token with control bytes in a syntax error: Lua 5.1 writes them raw,
-- luahost as \xNN (see expected-diff.txtar). Tabs and newlines stay raw.
local function p(s) print(select(2, loadstring(s, "=ctl"))) end
p("x = '\1\27[2J\nx'")
p("x = \"a\tb\\n\ny")
p("x = 'caf\233\n'")
