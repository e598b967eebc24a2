local ok, err = pcall(string.find, "abc", "%1") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
