print(os.time({year = 2024, month = 13, day = 1, hour = 0}) == os.time({year = 2025, month = 1, day = 1, hour = 0}))
