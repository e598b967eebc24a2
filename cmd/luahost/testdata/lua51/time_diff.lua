local a = os.time({year = 2024, month = 1, day = 1, hour = 0}) local b = os.time({year = 2024, month = 12, day = 31, hour = 0}) print((b - a) / 86400, os.difftime(b, a))
