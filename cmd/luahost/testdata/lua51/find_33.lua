print(string.find("1.5e10", "^[%d%.e]+$"))
