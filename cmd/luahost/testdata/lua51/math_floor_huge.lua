print(math.floor(1e100) == 1e100, math.floor(-0.5))
