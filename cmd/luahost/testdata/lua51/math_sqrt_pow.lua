print(math.sqrt(16), math.pow(2, 10), 2^0.5, math.sqrt(2))
