print(string.match("f(1, g(2))", "%b()"))
