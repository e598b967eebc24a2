print(os.date("!%Z", 1709890200))
