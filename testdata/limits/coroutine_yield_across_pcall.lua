-- want: deadline
-- A coroutine that yields across pcall (refused, as in Lua 5.1) and
-- catches the refusal, forever.
local co = coroutine.wrap(function()
  while true do pcall(coroutine.yield) end
end)
co()
