print(string.find("a\0b", "%z"))
