local t = {{n = "b", a = 2}, {n = "a", a = 3}, {n = "c", a = 1}}
table.sort(t, function(x, y) return x.a < y.a end)
for _, r in ipairs(t) do io.write(r.n, " ") end print()
