print(1/0, -1/0, math.huge, -math.huge)
