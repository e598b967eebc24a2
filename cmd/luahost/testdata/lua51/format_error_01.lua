local ok, err = pcall(function() return string.format("%d", "x") end) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
