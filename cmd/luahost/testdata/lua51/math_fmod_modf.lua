print(math.fmod(7, 3), math.fmod(-7, 3), math.modf(3.7), math.modf(-3.7))
