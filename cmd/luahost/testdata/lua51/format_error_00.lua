local ok, err = pcall(string.format, "%y", 1) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
