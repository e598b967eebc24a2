local s = string.rep("ab", 5000) local r, n = s:gsub("b", "cc") print(#r, n, r:sub(1, 10))
