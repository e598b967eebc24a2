print(string.format("%#x %#o", 255, 8))
