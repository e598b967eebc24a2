print(string.gsub("abc", "%w", "%z"))
