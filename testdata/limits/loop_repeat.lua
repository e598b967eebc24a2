-- repeat ... until with a condition that never holds.
local n = 0
repeat n = n + 1 until n < 0
