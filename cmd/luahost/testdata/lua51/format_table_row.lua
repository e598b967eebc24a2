for _, r in ipairs({{"apple", 1.5, 3}, {"kiwi", 0.25, 12}}) do print(string.format("%-8s %6.2f %4d", r[1], r[2], r[3])) end
