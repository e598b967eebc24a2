-- How loadstring and load name a chunk in a syntax error (luaO_chunkid
-- with llex.c's MAXSRC), and in a run-time error (LUA_IDSIZE).
local function p(s, name) print(select(2, loadstring(s, name))) end
p("x = ", "=name")
p("x = ", "@dir/file.lua")
p("x = ", "plain name")
p("x = ", "=" .. ("n"):rep(100))
p("x = ", "@" .. ("f"):rep(72))
p("x = ", "@" .. ("f"):rep(73))
p("x = ", ("s"):rep(100))
p(("s"):rep(60) .. " = ")
p(("s"):rep(61) .. " = ")
p("x = 1\n= 2")
p("x = 1\r= 2")
p("-- a comment\nx = = 1")
p("x = ", "two\nlines")
p("x = ", "")
local parts = {"local x", " = ", "1 +"}
local i = 0
local function reader() i = i + 1 return parts[i] end
print(load(reader))
i = 0
print(load(reader, "=reader"))
i = 0
print(load(reader, "@some/file.lua"))
print(type(load(function() return nil end)))
print(pcall(loadstring("error('boom')", "@" .. ("f"):rep(100))))
print(pcall(loadstring("error('boom')", ("s"):rep(100))))
print(pcall(loadstring("error('boom')", "=" .. ("n"):rep(100))))
