print(string.format("%f", 1e10))
