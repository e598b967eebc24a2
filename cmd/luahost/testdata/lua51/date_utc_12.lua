print(os.date("!%S", 1709890200))
