print(("a$b"):find("a$b"), ("ab$"):find("b$"))
