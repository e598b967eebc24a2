local t = 1709890200 print(os.time(os.date("*t", t)) == t)
