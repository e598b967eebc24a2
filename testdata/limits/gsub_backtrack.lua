-- want: deadline
local s = string.rep("a", 100000)
print((s:gsub(".-.-.-b", "x")))
