local ok, err = pcall(string.format, "%------d", 1) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
