print(("hello"):match("l+", -3), ("hello"):match(".", -1))
