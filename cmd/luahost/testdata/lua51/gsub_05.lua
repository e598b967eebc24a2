print(string.gsub("hello", "l", {l = "L"}))
