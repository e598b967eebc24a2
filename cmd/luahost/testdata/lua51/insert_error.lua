local ok, err = pcall(table.insert, {}, 1, 2, 3) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
