print(string.format("%.2s", "hello"))
