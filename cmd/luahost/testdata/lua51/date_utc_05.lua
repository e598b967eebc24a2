print(os.date("!%d", 1709890200))
