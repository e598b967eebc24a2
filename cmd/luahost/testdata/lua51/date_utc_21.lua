print(os.date("!%%", 1709890200))
