print(string.find("0x1F", "%x+", 3))
