print(string.format("%.1f", 0.05))
