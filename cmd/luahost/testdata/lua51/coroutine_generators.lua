-- Generators through wrap, passing values both ways, many at once.
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local sum = 0
for i in range(100) do sum = sum + i end
print(sum)
local gens = {}
for i = 1, 50 do gens[i] = range(i) end
local total = 0
for _, g in ipairs(gens) do for v in g do total = total + v end end
print(total)
local acc = coroutine.wrap(function(first)
  local s = first
  while true do s = s + coroutine.yield(s) end
end)
print(acc(1), acc(2), acc(3), acc(4))
local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e, "done"
end)
print(coroutine.resume(co, 2, 3))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 4, 5))
print(coroutine.status(co), coroutine.resume(co))
