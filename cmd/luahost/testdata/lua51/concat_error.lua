local ok, err = pcall(table.concat, {1, {}, 3}) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
