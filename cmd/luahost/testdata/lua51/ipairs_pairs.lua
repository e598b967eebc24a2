local t = {10, 20, 30} local s = 0 for i, v in ipairs(t) do s = s + i * v end print(s)
