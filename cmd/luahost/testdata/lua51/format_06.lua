print(string.format("%x %X %o", 255, 255, 8))
