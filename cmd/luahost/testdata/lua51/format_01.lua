print(string.format("%5d|%-5d|%05d", 42, 42, 42))
