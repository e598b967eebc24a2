for _, n in ipairs({0, 1, -1, 123, -123, 99999}) do io.write(string.format("[%6d][%-6d][%06d]", n, n, n)) end print()
