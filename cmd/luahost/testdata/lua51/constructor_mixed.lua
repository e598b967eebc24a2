-- Large constructors mixing positional items, fields k = v and [k] = v,
-- and a last item of several values (a call, or ...).
local function src(n, field, last)
  local items = {}
  for i = 1, n do
    items[#items + 1] = tostring(i)
    if i % field == 0 then items[#items + 1] = ("k%d = %d, [%d] = 'h%d'"):format(i, -i, -i, i) end
  end
  items[#items + 1] = last
  return "local f = ... return {" .. table.concat(items, ",") .. "}"
end
local function three() return "a", "b", "c" end
local function check(name, t, n)
  local pos, hash = 0, 0
  for k, v in pairs(t) do
    if type(k) == "number" and k >= 1 and k <= n + 3 then pos = pos + 1 else hash = hash + 1 end
  end
  print(name, #t, pos, hash, t[n], t[n + 1], t[n + 3], t.k50, t[-50], t[0])
end
for _, n in ipairs({49, 50, 100, 25550, 25551, 30000}) do
  check("call " .. n, assert(loadstring(src(n, 50, "f()")))(three), n)
  check("one " .. n, assert(loadstring(src(n, 50, "(f())")))(three), n)
  check("field " .. n, assert(loadstring(src(n, 50, "last = f()")))(three), n)
  check("vararg " .. n, assert(loadstring(src(n, 50, "...")))("x", "y", "z"), n)
end
-- A vararg function's constructor with ... last, large.
local items = {}
for i = 1, 26000 do items[i] = tostring(i) end
local v = assert(loadstring("return function(...) return {" .. table.concat(items, ",") .. ", ...} end"))()
local t = v(1, 2, 3)
print(#t, t[26000], t[26001], t[26003], t[0])
t = v()
print(#t, t[26000], t[26001])
