-- want: deadline
local s = string.rep("x", 4e6)
while true do local r = string.format("%s%s%s%s", s, s, s, s) end
