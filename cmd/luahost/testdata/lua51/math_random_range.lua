math.randomseed(42) local ok = true for i = 1, 100 do local r = math.random(1, 6) if r < 1 or r > 6 then ok = false end end print(ok)
