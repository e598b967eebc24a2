print(string.format("%+d % d", 5, 5))
