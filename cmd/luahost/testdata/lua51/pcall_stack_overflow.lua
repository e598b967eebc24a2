-- A call-stack overflow inside pcall or xpcall detaches no closure of the
-- frames outside it, and xpcall's handler still runs, with room to call.
local x = 1
local get = function() return x end
local function rec(n) return rec(n + 1) + 1 end
print(pcall(rec, 1))
x = 2
print(get())

local y = 1
local gy = function() return y end
print(xpcall(function() return rec(1) end, function(m) return "H:" .. m end))
y = 3
print(gy())

-- The handler sees the stack of the failed call.
print(xpcall(function() return rec(1) end, function() return debug.getinfo(2, "n").name end))

-- A handler that overflows the stack itself.
print(xpcall(function() return rec(1) end, function() return rec(1) end))

-- Closures of the unwound frames keep their values.
local f
print(pcall(function() local v = 7; f = function() return v end; rec(1) end))
local a, b, c = 10, 20, 30
print(f(), a, b, c)

-- The same inside a coroutine.
local co = coroutine.create(function()
  local z = 1
  local gz = function() return z end
  print(pcall(rec, 1))
  z = 5
  print(gz())
  coroutine.yield()
  print(xpcall(function() return rec(1) end, function(m) return "H:" .. m end))
  z = 6
  print(gz())
end)
print(coroutine.resume(co))
print(coroutine.resume(co))
