print(os.date("!%j", 1709890200))
