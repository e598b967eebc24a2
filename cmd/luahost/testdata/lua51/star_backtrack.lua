print(("aaab"):match("(a*)(a)b"), ("aaa"):match("^(a-)a$"))
