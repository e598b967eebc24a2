print(string.match("hello", "%f[%w]%w+"))
