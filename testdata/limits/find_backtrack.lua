-- want: deadline
-- Each a? may match or not: 2^n ways to fail before the anchored end.
local n = 40
local s = string.rep("a", n)
print(s:find("^" .. string.rep("a?", n) .. string.rep("a", n) .. "b"))
