print(string.format("%s", string.rep("x", 120)))
