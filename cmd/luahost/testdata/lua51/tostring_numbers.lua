print(tostring(1), tostring(1.5), tostring(-0.5), tostring(1e15), tostring(1e14), tostring(123456789012345))
