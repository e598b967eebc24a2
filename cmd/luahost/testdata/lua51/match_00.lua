print(string.match("hello world", "%w+"))
