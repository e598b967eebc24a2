print(("a, b. c! d?"):gsub("%p", ""), ("a \t b\n"):gsub("%s", "_"))
