print(math.deg(math.pi), string.format("%.6f", math.rad(180)))
