print(string.format("%s %s", 1, 2.5))
