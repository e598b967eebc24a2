-- limit: memory
-- Coroutines kept alive without bound.
local cos = {}
while true do
  local co = coroutine.create(function() coroutine.yield() end)
  coroutine.resume(co)
  cos[#cos + 1] = co
end
