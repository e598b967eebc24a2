-- math.random's argument errors, and the ranges it accepts.
local calls = {
  function() return math.random(0) end,
  function() return math.random(-5) end,
  function() return math.random(2^40) end,
  function() return math.random(2^31) end,
  function() return math.random(0.5) end,
  function() return math.random(0/0) end,
  function() return math.random(1/0) end,
  function() return math.random(-1/0) end,
  function() return math.random(3, 1) end,
  function() return math.random(1, 2, 3) end,
  function() return math.random("x") end,
  function() return math.random(1, "x") end,
  function() return math.random(nil) end,
  function() return math.random(1, nil) end,
  function() return math.random(1.5, 1.2) end,
  function() return math.random("3", "3") end,
  function() return math.random(-2^31, -2^31) end,
  function() return math.random(2^31 - 1) end,
  function() return math.randomseed() end,
  function() return math.randomseed("x") end,
}
for i, f in ipairs(calls) do
  local ok, r = pcall(f)
  if ok then
    print(i, ok, type(r))
  else
    print(i, ok, r)
  end
end
for _, n in ipairs{1, 2, 10} do
  local r = math.random(n)
  print(n, r >= 1 and r <= n and r == math.floor(r))
end
local r = math.random()
print(r >= 0 and r < 1)
math.randomseed(42)
local a, b = math.random(1, 1000), math.random()
math.randomseed(42)
print(a == math.random(1, 1000), b == math.random())
