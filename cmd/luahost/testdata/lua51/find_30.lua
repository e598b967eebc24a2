print(string.find("a-b", "[%-]"))
