-- coroutine.resume and wrap refuse arguments and results that would not
-- fit in Lua 5.1's C stack (LUAI_MAXCSTACK 8000); select and pcall pass
-- on what they are given.
local function many(k)
  if k <= 7997 then return unpack({}, 1, k) end
  return nil, many(k - 1)
end
local function count(...) return select('#', ...) end
for _, k in ipairs{7997, 7998, 7999, 8000, 8001} do
  print("many", k, count(many(k)), count(select(1, many(k))), count(pcall(many, k)))
  local co = coroutine.create(count)
  print("new", k, pcall(function() return coroutine.resume(co, many(k)) end))
  co = coroutine.create(function() return count(coroutine.yield()) end)
  coroutine.resume(co)
  print("suspended", k, pcall(function() return coroutine.resume(co, many(k)) end))
  print("dead", k, pcall(function() return coroutine.resume(co, many(k)) end))
  co = coroutine.create(function(...) return ... end)
  print("returns", k, pcall(function() return count(coroutine.resume(co, many(k))) end))
  co = coroutine.create(function(n) coroutine.yield(many(n)) end)
  print("yields", k, pcall(function() return count(coroutine.resume(co, k)) end))
  co = coroutine.create(function() local n = coroutine.yield() coroutine.yield(many(n)) end)
  coroutine.resume(co)
  print("yields again", k, pcall(function() return count(coroutine.resume(co, k)) end))
  print("status", k, coroutine.status(co))
  local w = coroutine.wrap(function(n) coroutine.yield(many(n)) end)
  print("wrap yields", k, pcall(function() return count(w(k)) end))
  w = coroutine.wrap(count)
  print("wrap args", k, pcall(function() return w(many(k)) end))
  w = coroutine.wrap(function() return coroutine.yield() end)
  w()
  print("wrap tail yield", k, pcall(function() return count(w(many(k))) end))
  co = coroutine.create(function() return coroutine.yield() end)
  coroutine.resume(co)
  print("tail yield", k, pcall(function() return count(coroutine.resume(co, many(k))) end))
end
for _, k in ipairs{3999, 4000} do
  local co
  co = coroutine.create(function() return coroutine.resume(co, many(k)) end)
  print("running", k, coroutine.resume(co))
end
for _, k in ipairs{7999, 8000} do
  local outer
  outer = coroutine.create(function()
    local inner = coroutine.create(function() return coroutine.resume(outer, many(k)) end)
    return coroutine.resume(inner)
  end)
  print("normal", k, coroutine.resume(outer))
end
