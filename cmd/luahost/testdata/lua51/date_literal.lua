print(os.date("!year %Y, day %d", 1709890200))
