-- math.max and math.min check their arguments as Lua 5.1's do.
local function try(f) print(pcall(f)) end
try(function() return math.max() end)
try(function() return math.min() end)
try(function() return math.max(1, nil) end)
try(function() return math.min("x") end)
try(function() return math.min(1, 2, {}) end)
local m = math.max
try(function() return m() end)
print(math.max(3, "10", 2), math.min(3, "1", 2), math.max(-1), math.min(" 0x10 "))
print(math.max(1, 2.5, -3), math.min(1, 2.5, -3))
print(math.max(0 / 0, 1) ~= math.max(0 / 0, 1), math.max(1, 0 / 0))
print(math.min(0 / 0, 1) ~= math.min(0 / 0, 1), math.min(1, 0 / 0))
print(math.max(math.huge, -math.huge), math.min(math.huge, -math.huge))
