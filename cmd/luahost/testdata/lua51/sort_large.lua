local t = {} for i = 1, 1000 do t[i] = (i * 7919) % 1009 end table.sort(t) local ok = true for i = 2, #t do if t[i-1] > t[i] then ok = false end end print(ok, t[1], t[1000])
