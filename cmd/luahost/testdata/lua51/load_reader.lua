local parts = {"return ", "4", "2"} local i = 0 print(load(function() i = i + 1 return parts[i] end)())
