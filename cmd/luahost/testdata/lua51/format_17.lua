print(string.format("%g", 1000000))
