-- A coroutine that catches the limit error and yields on.
local co = coroutine.wrap(function()
  while true do
    pcall(function() while true do end end)
    coroutine.yield()
  end
end)
while true do co() end
