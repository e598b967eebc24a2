print(os.date("!%a", 1709890200))
