print(os.date("!%b", 1709890200))
