print(("hello world"):match("()o()"), ("hello"):find("()"))
