-- Errors taking a length, comparing, and in numeric for loops.
local function try(f, ...) print(select(2, pcall(f, ...))) end
local up
try(function() return #nil end)
try(function() return #up end)
try(function() local n = 5; return #n end)
try(function() local a = {}; return #a.b end)
try(function() return {} < {} end)
try(function() return nil <= nil end)
try(function() return 1 < nil end)
try(function() return "a" < 1 end)
try(function() return true > false end)
try(function() for i = nil, 2 do end end)
try(function() for i = 1, "x" do end end)
try(function() for i = 1, 2, {} do end end)
