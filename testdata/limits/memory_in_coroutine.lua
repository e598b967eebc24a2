-- limit: memory
-- A coroutine, resumed by another one and made in a protected call, grows
-- a table without bound and catches its errors.
local outer = coroutine.wrap(function()
  local inner = coroutine.wrap(function()
    local t = {}
    while true do
      pcall(function() for i = 1, 1e5 do t[#t + 1] = {i} end end)
      coroutine.yield()
    end
  end)
  while true do inner() end
end)
pcall(outer)
while true do pcall(outer) end
