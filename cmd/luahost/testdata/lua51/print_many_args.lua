print(1, "two", nil, true, 3.5)
