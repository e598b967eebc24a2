print(string.match("x=1, y=2", "y=(%d)"))
