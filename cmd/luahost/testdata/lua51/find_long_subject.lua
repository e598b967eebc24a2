local s = string.rep("a", 10000) .. "b" print(s:find("b"), s:find("a+b"), s:find("ab", 1, true))
