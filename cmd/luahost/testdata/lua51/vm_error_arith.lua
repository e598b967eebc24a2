-- Errors in arithmetic name the operand that is not a number.
local function try(f, ...) print(select(2, pcall(f, ...))) end
local up
try(function() local x; return x + 1 end)
try(function() local a, b = 1, {}; return a * b end)
try(function() local a, b = {}, {}; return a - b end)
try(function() local s = "a"; return s / 2 end)
try(function() local s = "10"; return s % nil end)
try(function() local a = {}; return 1 + a.b end)
try(function() local a = {}; return a.b ^ 2 end)
try(function() return up + 1 end)
try(function() return 1 + {} end)
try(function() return 2 ^ "a" end)
try(function() return "10" + 1, "0x10" * 2 end)
try(function() local t = {}; return -t end)
try(function() return -up end)
try(function() local z; z = z + 1 end)
try(function() X = nil; return X - 1 end)
