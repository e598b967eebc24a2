print(os.date("!%x", 1709890200))
