-- limit: memory
-- Growth inside pcall, which catches the memory error and goes on.
local t = {}
while true do
  pcall(function() for i = 1, 1e12 do t[#t + 1] = string.rep("z", 100) .. i end end)
end
