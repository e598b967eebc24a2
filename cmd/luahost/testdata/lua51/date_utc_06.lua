print(os.date("!%H", 1709890200))
