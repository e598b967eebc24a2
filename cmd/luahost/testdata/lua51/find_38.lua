print(string.find("aXb", "%W"))
