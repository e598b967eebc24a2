print(string.format("%i", 12))
