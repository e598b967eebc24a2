-- Two wrapped coroutines that resume each other: Lua 5.1 refuses to
-- resume a coroutine that is itself resuming another.
local a, b
a = coroutine.wrap(function() while true do b() end end)
b = coroutine.wrap(function() while true do a() end end)
print(pcall(a))
local c
c = coroutine.wrap(function() return c() end)
print(pcall(c))
local d
d = coroutine.wrap(function() local ok, err = pcall(d) coroutine.yield(err) return "after" end)
print(d())
print(d())
print(pcall(d))
