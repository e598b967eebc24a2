print(string.gsub("abc", "()", function(p) return p end))
