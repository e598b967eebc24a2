print(string.find("hello world", "o"))
