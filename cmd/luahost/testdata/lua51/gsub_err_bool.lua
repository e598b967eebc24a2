print(pcall(string.gsub, "abc", "a", {a = true}))
