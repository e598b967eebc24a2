print(os.date("!%Y", 1709890200))
