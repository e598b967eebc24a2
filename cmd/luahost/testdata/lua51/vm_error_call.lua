-- Errors calling a value that is not a function name where it came from.
local function try(f, ...) print(select(2, pcall(f, ...))) end
local up
try(function() undefined() end)
try(function() local f = 1; f() end)
try(function() up() end)
try(function() return up() end)
try(function() local t = {}; t.bar() end)
try(function() local t = {}; t[1]() end)
try(function() local t = {}; t.a.b() end)
try(function() local s = {}; s:foo() end)
try(function() local t = {f = 1}; t:f(1, 2) end)
try(function() return math.nope() end)
try(function() return (1)() end)
try(function() return ("x")() end)
try(function() for k in nil do end end)
try(function() for k in 5 do end end)
try(function() local w = 1; while true do local q; q() end end)
