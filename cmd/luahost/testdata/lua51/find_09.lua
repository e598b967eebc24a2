print(string.find("a+b", "+", 1, true))
