print(string.gsub("abc", "%w", "%%"))
