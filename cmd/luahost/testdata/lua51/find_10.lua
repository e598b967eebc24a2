print(string.find("hello", "l+"))
