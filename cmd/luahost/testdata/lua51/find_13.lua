print(string.find("hello", "o$"))
