for _, n in ipairs({1, -1, 0.001, 1e100, 1e-100}) do io.write(string.format("%.3e ", n)) end print()
