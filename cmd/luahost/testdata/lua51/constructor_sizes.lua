-- Table constructors of n positional constants, around the 511 blocks of
-- 50 items one SETLIST names in its own operand (25550) and beyond.
local function build(n, item)
  local items = {}
  for i = 1, n do items[i] = item(i) end
  return assert(loadstring("return {" .. table.concat(items, ",") .. "}"))()
end
for _, n in ipairs({25549, 25550, 25551, 25599, 25600, 25601, 50 * 512, 50 * 512 + 1, 100000}) do
  local t = build(n, tostring)
  local sum, holes = 0, 0
  for i = 1, n do
    if t[i] == nil then holes = holes + 1 else sum = sum + t[i] end
  end
  local extra = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n then extra = extra + 1 end
  end
  print(n, #t, sum, holes, extra, t[0], t[-49], t[n], t[n + 1])
end
-- Strings, repeated values and negative numbers.
local t = build(60000, function(i) return i % 3 == 0 and ("%q"):format("s" .. i) or tostring(-(i % 1000)) end)
print(#t, t[1], t[3], t[25551], t[25553], t[60000], t[59999])
