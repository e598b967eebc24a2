-- want: deadline
-- Linear now, so loop it: each gsub of 10 MB must still be interruptible.
local s = string.rep("a", 10000000)
while true do s = s:gsub("a", "b"):gsub("b", "a") end
