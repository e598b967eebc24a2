print(string.format("%d", 3.99))
