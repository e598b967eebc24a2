print(string.format("%10.4g|", 3.14159))
