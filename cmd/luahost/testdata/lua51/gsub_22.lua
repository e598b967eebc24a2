print(string.gsub("x", "x", "%1"))
