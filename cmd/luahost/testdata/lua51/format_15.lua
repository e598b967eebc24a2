print(string.format("%.2E", 0.000123))
