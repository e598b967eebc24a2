print(string.match("no digits", "%d+"))
