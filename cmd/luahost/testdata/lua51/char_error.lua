local ok, err = pcall(function() return string.char(256) end) print(ok, (string.gsub(err, "^.-:%d+: ", "")))
