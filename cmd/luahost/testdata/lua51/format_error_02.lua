local ok, err = pcall(function() return string.format("%d") end) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
