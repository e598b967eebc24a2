print(string.format("%.6f %.6f %.6f", math.exp(1), math.log(10), math.log10(1000)))
