print(string.match("key = value", "(%w+)%s*=%s*(%w+)"))
