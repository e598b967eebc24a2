print(string.find("abcabc", "(abc)%1"))
