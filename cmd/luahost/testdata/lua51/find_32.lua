print(string.find("hello.lua", "%.lua$"))
