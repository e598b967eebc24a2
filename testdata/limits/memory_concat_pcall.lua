-- limit: memory
-- Doubling inside pcall, which catches each refused concatenation and
-- keeps the largest string allowed: the heap watchdog ends it.
local kept = {}
while true do
  local s = "x"
  pcall(function() while true do s = s .. s end end)
  kept[#kept + 1] = s
end
