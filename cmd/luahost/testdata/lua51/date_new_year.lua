print(os.date("!%Y-%m-%d %j %U %W %w", 1704067200))
