print(string.match("hello", "x*"))
