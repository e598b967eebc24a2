print(tonumber("777", 8), tonumber("1010", 2), tonumber("zz", 36))
