print(string.find("  x  ", "%S"))
