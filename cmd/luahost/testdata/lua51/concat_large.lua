local t = {} for i = 1, 10000 do t[i] = i % 10 end print(#table.concat(t), #table.concat(t, ","))
