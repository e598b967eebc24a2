print(string.match("a1b2c3", "%a%d", 3))
