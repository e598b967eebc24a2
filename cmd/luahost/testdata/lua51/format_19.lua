print(string.format("%g", 0.0001))
