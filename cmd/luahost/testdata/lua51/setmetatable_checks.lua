-- setmetatable takes a table and nil or a table, as Lua 5.1's does; a
-- number or string's shared metatable stays out of reach.
local function try(f) print(pcall(f)) end
try(function() return setmetatable(1, {}) end)
try(function() return setmetatable("x", {}) end)
try(function() return setmetatable(nil, {}) end)
try(function() return setmetatable() end)
try(function() return setmetatable({}, 1) end)
try(function() return setmetatable({}) end)
try(function() return setmetatable({}, "mt") end)
local sm = setmetatable
try(function() return sm(true, {}) end)
try(function() local t = {} return t:setmetatable({}) end)
print(getmetatable(1), getmetatable("abc").__index == string)
local mt = {}
local t = {}
print(setmetatable(t, mt) == t, getmetatable(t) == mt)
print(setmetatable(t, nil) == t, getmetatable(t))
-- __metatable protects a metatable, even when false.
local locked = setmetatable({}, {__metatable = "locked"})
print(getmetatable(locked))
try(function() return setmetatable(locked, {}) end)
try(function() return setmetatable(locked, nil) end)
local f = setmetatable({}, {__metatable = false})
print(getmetatable(f))
try(function() return setmetatable(f, {}) end)
try(function() return getmetatable() end)
print(getmetatable(nil), getmetatable(print), getmetatable({}))
