print(string.find("hello", "", 10))
