print(string.format("[%8.3f]", -3.14159))
