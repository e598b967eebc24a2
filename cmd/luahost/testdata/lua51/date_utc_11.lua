print(os.date("!%p", 1709890200))
