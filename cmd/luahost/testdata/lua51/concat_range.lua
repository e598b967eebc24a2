print(table.concat({"a", "b", "c", "d"}, "-", 2, 3), table.concat({"a"}, "-", 2, 1))
