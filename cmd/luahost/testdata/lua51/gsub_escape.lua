local s = "a+b*c" print((s:gsub("[%+%*]", "%%%0")))
