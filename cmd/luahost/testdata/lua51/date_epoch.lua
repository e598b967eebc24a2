print(os.date("!%c", 0), os.date("!%j %U %W", 0))
