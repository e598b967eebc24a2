print(string.gsub("hello world", "%w+", function(w) return w:upper() end))
