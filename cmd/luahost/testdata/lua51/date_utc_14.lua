print(os.date("!%w", 1709890200))
