print(string.format("%10s|%-10s|", "hi", "hi"))
