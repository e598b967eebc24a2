print(string.format("%d", -7.9))
