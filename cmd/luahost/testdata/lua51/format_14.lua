print(string.format("%e", 12345.678))
