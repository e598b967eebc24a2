print(os.date("!%B", 1709890200))
