print(os.date("!%M", 1709890200))
