print(math.huge == 1/0, -math.huge == -1/0, math.huge > 1e308, -math.huge < -1e308)
