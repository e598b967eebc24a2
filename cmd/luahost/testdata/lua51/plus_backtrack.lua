print(("xyyyz"):match("x(y+)(y)z"))
