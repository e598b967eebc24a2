print(string.find("hello", "^e"))
