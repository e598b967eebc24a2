print(table.concat({1.5, 2, 0.1, 1/3}, " "))
