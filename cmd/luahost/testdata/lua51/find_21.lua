print(string.find("x$y", "$y"))
