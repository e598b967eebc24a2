print(string.gsub("abc", "", "-"))
