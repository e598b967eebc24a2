print(string.format("%5.3d", 7))
