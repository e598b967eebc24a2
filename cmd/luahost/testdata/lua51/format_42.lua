print(string.format("%s=%d", "x", 10))
