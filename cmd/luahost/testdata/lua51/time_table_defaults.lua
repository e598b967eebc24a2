local a = os.time({year = 2024, month = 3, day = 8}) local b = os.time({year = 2024, month = 3, day = 8, hour = 12, min = 0, sec = 0}) print(a == b)
