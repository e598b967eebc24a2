print(string.gsub("aaa", "a", "b", -1))
