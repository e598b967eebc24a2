-- Source nested too deeply fails with Lua 5.1's message.
local function p(s) print(select(2, loadstring(s))) end
p("return " .. ("("):rep(300))
p("x = " .. ("{"):rep(300))
p(("do "):rep(300))
p("return " .. ("- "):rep(300) .. "x")
p("return " .. ("x .. "):rep(300) .. "x")
p(("\n"):rep(5) .. "return " .. ("f("):rep(300))
p(("function f() "):rep(300))
