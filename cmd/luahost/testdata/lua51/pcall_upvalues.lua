-- Closures stay bound to the right variables across pcall and xpcall errors.
local d = 0
local function g() return d end
pcall(error, "a")
pcall(function() error("y") end)
d = 6
print(g())

local f
pcall(function() local x = 1; f = function() return x end; error("e") end)
local function h(a, b, c, d) local p, q, r = 10, 20, 30; return f() end
print(h(5, 6, 7, 8))

local get, set
print(pcall(function()
  local x = 1
  get = function() return x end
  set = function(v) x = v end
  x = 2
  error({})
end) == false)
local p, q, r = "p", "q", "r"
print(get())
set(3)
print(get(), p, q, r)

local inner
local ok, msg = pcall(function()
  local y = 1
  local function gy() return y end
  pcall(function() local z = 3; inner = function() return z end; error("in") end)
  y = 2
  local a, b, c = 7, 8, 9
  print("inner keeps y", gy())
  error("out", 0)
end)
print(ok, msg)
d = 4
print(g(), inner())

local fx
print(xpcall(function()
  local x = "kept"
  fx = function() return x end
  error("boom", 0)
end, function(m) return "handled " .. m .. " " .. fx() end))
local a1, a2, a3 = 1, 2, 3
print(fx())

local fs, n = {}, 0
for i = 1, 200 do
  pcall(function() local v = i; fs[i] = function() return v end; error(i) end)
  n = n + 1
end
local sum = 0
for i = 1, 200 do local z1, z2 = -1, -1; sum = sum + fs[i]() end
print(sum, n, g())

local co = coroutine.create(function()
  local cd = 0
  local function cg() return cd end
  local cf
  pcall(function() local x = 1; cf = function() return x end; error("e") end)
  cd = coroutine.yield()
  local a, b, c = 10, 20, 30
  return cg(), cf()
end)
print(coroutine.resume(co))
print(coroutine.resume(co, 6))
