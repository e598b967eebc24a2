print(os.date("!%a|%x|%j|%c", 1709890200))
