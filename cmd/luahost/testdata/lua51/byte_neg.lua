print(string.byte("hello", -3, -2))
