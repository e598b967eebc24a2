print(string.find("aaa", "a-$"))
