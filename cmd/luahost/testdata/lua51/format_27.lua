print(string.format("%5.1s|", "hello"))
