print(os.date("!%I", 1709890200))
