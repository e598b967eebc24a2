local s = "hello" print(#s, s:len(), string.len(""), ("x"):rep(5):len())
