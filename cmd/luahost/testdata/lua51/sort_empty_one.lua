local t = {} table.sort(t) local u = {1} table.sort(u) print(#t, u[1])
