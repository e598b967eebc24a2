print(string.match("abc", "()", 4))
