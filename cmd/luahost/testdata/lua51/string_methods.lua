local s = "x" print(s:rep(3), s:byte(), ("%d"):format(5))
