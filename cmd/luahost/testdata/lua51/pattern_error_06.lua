local ok, err = pcall(string.find, "abc", "%f") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
