print(string.find("a.b.c", ".", 1, true))
