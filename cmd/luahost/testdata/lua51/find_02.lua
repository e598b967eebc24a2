print(string.find("hello world", "o", -3))
