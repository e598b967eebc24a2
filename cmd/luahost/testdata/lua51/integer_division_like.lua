print(math.floor(7 / 2), 7 % -3, -7 % -3, 2^-1)
