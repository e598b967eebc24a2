local ok, err = pcall(os.time, {year = 2024}) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
