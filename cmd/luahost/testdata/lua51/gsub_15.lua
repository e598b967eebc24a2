print(string.gsub("  trim  ", "^%s+", ""))
