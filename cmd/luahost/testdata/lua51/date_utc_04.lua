print(os.date("!%c", 1709890200))
