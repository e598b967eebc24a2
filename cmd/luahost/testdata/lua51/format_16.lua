print(string.format("%g", 100000))
