print(string.find("abc", ".-b"))
