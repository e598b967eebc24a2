-- Tail calls that never return: no stack growth, no end.
local function f(n) return f(n + 1) end
f(1)
