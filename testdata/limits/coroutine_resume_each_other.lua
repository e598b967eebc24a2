-- Two coroutines that pass control back and forth through the main
-- chunk forever.
local a, b
a = coroutine.create(function() while true do coroutine.yield(b) end end)
b = coroutine.create(function() while true do coroutine.yield(a) end end)
local next = a
while true do
  local _, n = coroutine.resume(next)
  next = n
end
