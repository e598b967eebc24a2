local ok = pcall(table.sort, {1, "x", 2}) print(ok)
