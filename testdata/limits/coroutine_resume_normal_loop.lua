-- want: deadline
-- A coroutine that tries to resume the coroutine that resumed it, forever.
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function()
    while true do coroutine.resume(outer) end
  end)
  coroutine.resume(inner)
end)
coroutine.resume(outer)
