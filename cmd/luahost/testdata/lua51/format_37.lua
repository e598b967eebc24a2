print(string.format("%f", -1/0))
