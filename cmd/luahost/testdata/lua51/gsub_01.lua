print(string.gsub("hello world", "(%w+)", "<%1>"))
