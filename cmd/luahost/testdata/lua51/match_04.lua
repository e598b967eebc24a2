print(string.match("hello", ".-(l+)"))
