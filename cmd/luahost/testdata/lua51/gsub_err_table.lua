print(pcall(string.gsub, "abc", "%w", function() return {} end))
