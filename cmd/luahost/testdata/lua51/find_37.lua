print(string.find("a,b,,c", ",,"))
