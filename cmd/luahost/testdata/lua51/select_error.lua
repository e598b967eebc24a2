local ok, err = pcall(select, 0, 1) print(ok)
