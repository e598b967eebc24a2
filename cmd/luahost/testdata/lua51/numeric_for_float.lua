for i = 0, 1, 0.25 do io.write(i, " ") end print()
