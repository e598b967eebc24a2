-- A weak table filled and collected, forever.
local weak = setmetatable({}, {__mode = "v"})
local i = 0
while true do
  i = i + 1
  weak[i % 100] = {}
  if i % 10000 == 0 then collectgarbage() end
end
