print(string.find("abc", "[a-b]+"))
