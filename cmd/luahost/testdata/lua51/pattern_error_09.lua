local ok, err = pcall(string.find, "abc", "[%") print(ok, (string.gsub(err, "^.-:%d+: ", "")))
