local t = {1, 2, 3} t[#t + 1] = 4 print(#t, #"abc", #{})
