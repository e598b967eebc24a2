print(string.find("hello world", "xyz"))
