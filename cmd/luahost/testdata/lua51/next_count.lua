local t = {a = 1, b = 2, c = 3} local n = 0 for k in pairs(t) do n = n + 1 end print(n, next({}))
