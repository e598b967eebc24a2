print(string.format("%e", 0))
