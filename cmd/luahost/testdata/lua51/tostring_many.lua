for _, n in ipairs({1e-5, 123.456, 1e21, 2^31, 2^32 + 0.5, -1234.5678}) do io.write(tostring(n), " ") end print()
