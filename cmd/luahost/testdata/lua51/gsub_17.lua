print(string.gsub("abc", ".", {a = 1, b = 2.5}))
