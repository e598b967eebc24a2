-- next refuses a key the table does not hold, as Lua 5.1's does, and goes
-- on from keys cleared during a traversal.
local function try(f) print(pcall(f)) end
try(function() return next({}, "nope") end)
try(function() return next({a = 1}, "b") end)
try(function() return next({1, 2}, 5) end)
try(function() return next({1}, 0) end)
try(function() return next({1}, 1.5) end)
try(function() return next({1}, 0 / 0) end)
try(function() return next({1}, true) end)
try(function() return next({1, 2, 3}, 2) end)
try(function() return next({[0] = "z"}, 0) end)
try(function() return next({}) end)
try(function() return next() end)
try(function() return next(1) end)
-- Clearing every field during a traversal.
local t = {a = 1, b = 2, c = 3, 10, 20, [1.5] = "x", [true] = "y"}
local n = 0
for k in pairs(t) do t[k] = nil n = n + 1 end
print(n, next(t))
local u = {x = 1, y = 2, z = 3, 1, 2, 3}
n = 0
local k = next(u)
while k ~= nil do
  local following = next(u, k)
  u[k] = nil
  n = n + 1
  k = following
end
print(n, next(u))
local v = {p = 1, q = 2}
n = 0
for key in next, v do v[key] = nil n = n + 1 end
print(n, next(v))
