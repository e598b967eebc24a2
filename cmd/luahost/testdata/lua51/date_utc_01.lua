print(os.date("!%A", 1709890200))
