print(string.gsub("hello world", "%w+", function(w) if w == "world" then return "there" end end))
