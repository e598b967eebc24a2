-- A numeric for up to infinity.
local x = 0
for i = 1, math.huge do x = x + i end
