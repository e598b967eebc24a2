print(os.time({year = 2024, month = 2, day = 30, hour = 0}) == os.time({year = 2024, month = 3, day = 1, hour = 0}))
