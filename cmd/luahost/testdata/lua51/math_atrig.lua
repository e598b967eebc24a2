print(string.format("%.6f %.6f %.6f %.6f", math.asin(0.5), math.acos(0.5), math.atan(1), math.atan2(1, 2)))
