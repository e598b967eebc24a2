print(string.gsub("abc", "b*", "X"))
