print(string.find("hello", ""))
