-- want: deadline
local s = string.rep("x", 1e7)
while true do local r = string.format("%s%s%s%s", s, s, s, s) end
