print(string.match("abc", "b()"))
