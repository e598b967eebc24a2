print(("abc"):find("c", 4), ("abc"):find("", 4), ("abc"):find("", 5))
