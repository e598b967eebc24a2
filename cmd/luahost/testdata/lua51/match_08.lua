print(string.match("hello", "l*", 3))
