local ok, err = pcall(string.find, "abc", "%fa") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
