local s = string.rep("\1\2", 4) print(#s, s:byte(1, -1))
