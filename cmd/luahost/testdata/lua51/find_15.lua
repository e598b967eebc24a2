print(string.find("hello", "()ll()"))
