x = 5 print(loadstring("return x * 2")())
