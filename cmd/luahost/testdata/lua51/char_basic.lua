print(string.char(72, 101, 108, 108, 111), string.char() == "")
