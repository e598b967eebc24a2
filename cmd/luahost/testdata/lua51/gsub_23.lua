print(string.gsub("hello", "(l)(l)", "%2%1"))
