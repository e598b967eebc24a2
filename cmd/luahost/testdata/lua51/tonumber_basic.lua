print(tonumber("10"), tonumber("0x10"), tonumber("1e2"), tonumber("  5  "), tonumber("z", 36), tonumber("ff", 16), tonumber("x"))
