print(string.format("%u", 42))
