print(string.match("2024-03-08", "(%d+)-(%d+)-(%d+)"))
