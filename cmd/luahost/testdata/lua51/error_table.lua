local ok, e = pcall(error, {code = 42}) print(ok, e.code)
