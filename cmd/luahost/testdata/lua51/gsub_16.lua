print(string.gsub("one two  three", "%s+", " "))
