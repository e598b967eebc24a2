print(string.match("  ", "^%s*$"))
