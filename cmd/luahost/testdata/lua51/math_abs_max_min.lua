print(math.abs(-4), math.max(1, 5, 3), math.min(4, 2, 8), math.max(-1.5, -2))
