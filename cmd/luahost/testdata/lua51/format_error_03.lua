local ok, err = pcall(string.format, "%123d", 1) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
