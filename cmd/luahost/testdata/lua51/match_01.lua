print(string.match("  trim  ", "^%s*(.-)%s*$"))
