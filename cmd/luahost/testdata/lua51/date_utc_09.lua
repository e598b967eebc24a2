print(os.date("!%m", 1709890200))
