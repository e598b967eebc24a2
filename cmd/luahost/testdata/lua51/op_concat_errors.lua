-- The .. operator's errors name the operand as Lua 5.1 does.
local function try(f, ...) local ok, err = pcall(f, ...) print(ok, (string.gsub(tostring(err), "^.-:%d+: ", ""))) end
local up = {}
local t = {}
try(function() local x return "a" .. x end)
try(function() return "a" .. undefinedglobal end)
try(function() return up .. "a" end)
try(function() return t.name .. "a" end)
try(function() return t[1] .. "a" end)
try(function() return "a" .. nil end)
try(function() return true .. "a" end)
try(function(p) return p .. "a" end, {})
try(function() local b = false return 1 .. b end)
try(function() return "a" .. print end)
try(function() local o = {} function o:m() return self .. "" end return o:m() end)
try(function() local x = setmetatable({}, {__concat = function() return true end}) return "a" .. x .. "b" end)
