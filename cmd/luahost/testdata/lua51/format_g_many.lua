for _, n in ipairs({0.5, 1.25, 1e-4, 1e-5, 123456, 1234567, 12345678, 0.000123456}) do io.write(string.format("%g ", n)) end print()
