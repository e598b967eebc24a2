local f, err = loadstring("x = = 1") print(f, type(err))
