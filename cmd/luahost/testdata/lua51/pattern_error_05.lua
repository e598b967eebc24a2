local ok, err = pcall(string.find, "abc", "%b") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
