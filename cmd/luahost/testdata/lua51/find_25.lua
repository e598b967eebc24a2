print(string.find("f(a(b)c)", "%b()"))
