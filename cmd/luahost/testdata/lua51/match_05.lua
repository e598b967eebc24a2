print(string.match("hello", "(h)(e)(l)(l)(o)"))
