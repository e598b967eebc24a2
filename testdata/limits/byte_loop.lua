-- want: deadline
local s = string.rep("x", 100000)
while true do local n = select("#", s:byte(1, -1)) end
