print(loadstring("return 1 + 2")(), loadstring("local a, b = ... return b, a")(1, 2))
