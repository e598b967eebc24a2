-- want: deadline
local s = string.rep("a", 1000000)
while true do s = s:gsub("a", function(c) return c end) end
