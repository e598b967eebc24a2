print(type(os.date()), #os.date("%Y") == 4)
