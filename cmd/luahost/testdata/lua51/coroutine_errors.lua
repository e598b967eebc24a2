-- Errors inside coroutines, through resume and wrap, and the coroutine
-- after them.
-- Positions are printed without the script's folder, which differs
-- between the two runs.
local print0 = print
local function print(...)
  local t = {n = select("#", ...), ...}
  for i = 1, t.n do
    if type(t[i]) == "string" then t[i] = t[i]:gsub("[^%s:]*/", "") end
  end
  print0(unpack(t, 1, t.n))
end
local co = coroutine.create(function() error("boom") end)
print(coroutine.resume(co))
print(coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.resume(coroutine.create(function() error("plain", 0) end)))
print(coroutine.resume(coroutine.create(function() error() end)))
local e = {}
local ok, got = coroutine.resume(coroutine.create(function() error(e) end))
print(ok, got == e)
local w = coroutine.wrap(function() error("in wrap") end)
print(pcall(w))
print(pcall(w))
print(pcall(function() local v = coroutine.wrap(function() error("nested") end) v() end))
print(pcall(function() local v = coroutine.wrap(function() error("level0", 0) end) v() end))
local ok2, got2 = pcall(coroutine.wrap(function() error(e) end))
print(ok2, got2 == e)
local done = coroutine.wrap(function() return 1 end)
print(done())
print(pcall(function() done() end))
print(pcall(function() coroutine.resume(1) end))
print(pcall(function() coroutine.status("x") end))
print(pcall(function() coroutine.create(print) end))
print(pcall(function() coroutine.wrap(1) end))
print(pcall(function() coroutine.resume({}) end))
print(pcall(function() coroutine.create(function() end, 1) end))
