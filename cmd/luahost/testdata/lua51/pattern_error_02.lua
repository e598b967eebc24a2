local ok, err = pcall(string.find, "abc", "(a") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
