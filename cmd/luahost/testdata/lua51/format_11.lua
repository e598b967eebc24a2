print(string.format("%5.2f", 3.14159))
