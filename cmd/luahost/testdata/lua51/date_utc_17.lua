print(os.date("!%X", 1709890200))
