local n = 0 for w in ("abc"):gmatch("%d") do n = n + 1 end print(n)
