print(string.find("hello", "(l)(l)"))
