print(type(os.time()), os.time() > 1.7e9, type(os.clock()))
