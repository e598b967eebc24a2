print(string.find("THE quick", "%f[%a]%a+", 4))
