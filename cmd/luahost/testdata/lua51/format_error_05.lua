local ok, err = pcall(function() return string.format("%") end) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
