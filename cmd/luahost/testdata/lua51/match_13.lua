print(string.match("The Quick", "%u"))
