print(os.date("!%Y-%m-%d %H:%M:%S", 1709890200))
