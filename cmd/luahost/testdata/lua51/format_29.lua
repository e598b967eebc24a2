print(string.format("%s", 1e100))
