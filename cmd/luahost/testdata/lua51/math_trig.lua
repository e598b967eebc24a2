print(string.format("%.6f %.6f %.6f", math.sin(1), math.cos(1), math.tan(1)))
