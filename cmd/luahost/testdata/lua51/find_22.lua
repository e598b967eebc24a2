print(string.find("abc", "b", -10))
