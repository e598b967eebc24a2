print(string.rep("", 100) == "")
