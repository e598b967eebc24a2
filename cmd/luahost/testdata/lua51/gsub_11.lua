print(string.gsub("hello", "", "", 3))
