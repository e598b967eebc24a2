print(string.format("%g", 2^53))
