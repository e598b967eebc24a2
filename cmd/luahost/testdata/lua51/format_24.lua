print(string.format("%s", "hi"))
