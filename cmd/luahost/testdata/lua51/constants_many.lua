-- A function with more distinct literals than luahost compiles as they
-- are: each literal keeps its value wherever it is used.
local parts = {"local f, out = ... local t, x = {}"}
for i = 1, 400 do
  local s = ("%q"):format("s" .. i .. "\0" .. i)
  parts[#parts + 1] = ("t[%d] = %s"):format(i, s)
  parts[#parts + 1] = ("out(%d, -%d.5, 0x%x, %s, %d == %d.0, %s < %q, -%d)"):format(i, i, i, s, i, i, s, "s" .. i .. "\1", i)
  parts[#parts + 1] = ("x = %de3 if x ~= %d then out('bad', %d) end"):format(i, i * 1000, i)
end
parts[#parts + 1] = "return t, {x = 1e300, [-0.5] = 'h', 'a', \"\\0luastd.const\\0\", 2^53}, -0 == 0, 1 / -0"
local sum, n, cmp = 0, 0, 0
local function out(a, b, c, s, eq, lt, neg)
  if a == "bad" then print("bad", b) return end
  n = n + 1
  sum = sum + a + b + c + neg
  if eq and lt then cmp = cmp + 1 end
  assert(#s > 0)
end
local t, u, z, inf = assert(loadstring(table.concat(parts, "\n")))(nil, out)
print(n, sum, cmp, #t, t[1] == "s1\0" .. "1", #t[400], u.x, u[-0.5], u[1], #u[2], u[3], z, inf)
-- An error raised for a call in such a function names the call's line.
local f = assert(loadstring(table.concat(parts, "\n"), "=many"))
print(pcall(f, nil, function(a) if a == 300 then error("stop at 300", 2) end end))
-- Numerals, arithmetic and and/or on literals in such a function.
local p = {}
for i = 1, 300 do p[i] = ("%d.5 * 2 - 1, %d %% 7, 2 ^ %d, %d / 0, nil or %d, false and %d or 'x%d'"):format(i, i, i % 60, -i, i, i, i) end
local t = assert(loadstring("return {010, 0x10, 08, 1e2, -010, 7 % -3, -7 % 3, 2^0.5, " .. table.concat(p, ",") .. "}"))()
local sum = 0
for i = 9, #t do if type(t[i]) == "number" and t[i] == t[i] and t[i] ~= 1 / 0 and t[i] ~= -1 / 0 then sum = sum + t[i] end end
print(t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], #t, sum, t[12], t[14], t[#t])
