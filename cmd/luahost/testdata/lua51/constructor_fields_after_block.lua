-- A field k = v right after a multiple of 50 positional items, and a last
-- field whose value is a call or ...: neither changes the positional
-- items.
function K() return "K" end
function V() return "V" end
function three() return "a", "b", "c" end
local function items(n)
  local t = {}
  for i = 1, n do t[i] = tostring(i * 10) end
  return table.concat(t, ",")
end
local cases = {
  "{" .. items(50) .. ", [K()] = V()}",
  "{" .. items(50) .. ", x = 1, y = 2, [K()] = V()}",
  "{" .. items(100) .. ", [K()] = V(), 7}",
  "{" .. items(50) .. ", [1] = 'one'}",
  "{[1] = 'one', " .. items(50) .. "}",
  "{" .. items(2) .. ", [K()] = V()}",
  "{" .. items(2) .. ", k = three()}",
  "{" .. items(2) .. ", k = ...}",
  "{" .. items(2) .. ", three()}",
  "{three(), three()}",
  "{" .. items(50) .. ", k = three()}",
}
for _, c in ipairs(cases) do
  local t = assert(loadstring("return " .. c))("p", "q")
  local keys = {}
  for k, v in pairs(t) do keys[#keys + 1] = tostring(k) .. "=" .. tostring(v) end
  table.sort(keys)
  print(#t, t[1], t[2], t[3], t[50], t[51], t.K, t.k, t.x, #keys, keys[1], keys[#keys])
end
