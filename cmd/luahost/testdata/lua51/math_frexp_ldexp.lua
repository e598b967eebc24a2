print(math.frexp(8), math.ldexp(0.5, 4))
