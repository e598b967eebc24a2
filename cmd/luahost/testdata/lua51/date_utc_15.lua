print(os.date("!%W", 1709890200))
