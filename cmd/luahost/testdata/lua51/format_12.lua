print(string.format("%.3f", 2/3))
