print(math.pi, string.format("%.10f", math.pi))
