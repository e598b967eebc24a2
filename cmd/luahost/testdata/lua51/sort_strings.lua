local t = {"pear", "apple", "fig", "banana"} table.sort(t) print(table.concat(t, " "))
