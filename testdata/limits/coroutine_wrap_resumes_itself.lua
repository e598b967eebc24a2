-- want: deadline
-- A wrapped coroutine that calls itself, catching the refusal, forever.
local w
w = coroutine.wrap(function() while true do pcall(w) end end)
w()
