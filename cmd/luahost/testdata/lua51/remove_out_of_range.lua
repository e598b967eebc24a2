local t = {1, 2, 3} print(table.remove(t, 5), table.remove(t, 0), #t)
