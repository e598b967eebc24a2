print(string.find("hello", "^h"))
