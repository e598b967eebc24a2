print(string.format("%d", 42))
