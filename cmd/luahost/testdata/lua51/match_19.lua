print(string.match("abc", "()"))
