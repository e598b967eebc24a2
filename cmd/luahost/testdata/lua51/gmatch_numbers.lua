local s = 0 for n in ("1 22 333 -4"):gmatch("%-?%d+") do s = s + tonumber(n) end print(s)
