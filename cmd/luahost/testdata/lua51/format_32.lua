print(string.format("%%"))
