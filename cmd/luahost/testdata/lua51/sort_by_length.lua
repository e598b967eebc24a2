local t = {"ccc", "a", "bb", "dddd"} table.sort(t, function(a, b) return #a < #b end) print(table.concat(t, ","))
