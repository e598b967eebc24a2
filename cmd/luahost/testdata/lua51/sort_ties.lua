local t = {}
for i = 1, 20 do t[i] = {k = i % 3, i = i} end
table.sort(t, function(a, b) return a.k < b.k end)
for _, r in ipairs(t) do io.write(r.k, ":", r.i, " ") end print()
