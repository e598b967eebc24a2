print(string.find("hello", "", 6))
