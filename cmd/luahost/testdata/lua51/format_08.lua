print(string.format("%x", -1))
