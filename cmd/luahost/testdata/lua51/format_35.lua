print(string.format("%-3c|", 65))
