-- want: deadline
-- Two wrapped coroutines that resume each other and catch the refusal.
local a, b
a = coroutine.wrap(function() while true do pcall(b) end end)
b = coroutine.wrap(function() while true do pcall(a) end end)
a()
