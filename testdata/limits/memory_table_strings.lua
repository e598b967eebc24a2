-- limit: memory
-- A table of distinct strings that grows without bound.
local t = {}
for i = 1, 1e12 do t[i] = string.rep("x", 1000) .. i end
