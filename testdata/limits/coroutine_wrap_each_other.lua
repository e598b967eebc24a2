-- want: cannot resume normal coroutine
-- Two wrapped coroutines that resume each other directly: Lua 5.1 refuses
-- the resume of a coroutine that is itself resuming (it once ran forever,
-- past every limit, without running a Lua instruction).
local a, b
a = coroutine.wrap(function() while true do b() end end)
b = coroutine.wrap(function() while true do a() end end)
a()
