local t = {5, 2, 8, 1, 9, 3} table.sort(t, function(a, b) return a > b end) print(table.concat(t, " "))
