print(os.date("!%y", 1709890200))
