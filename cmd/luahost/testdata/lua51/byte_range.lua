print(string.byte("hello", 2, 4), string.byte("hello", 10), string.byte("", 1))
