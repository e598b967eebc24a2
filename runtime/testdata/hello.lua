-- Greets its first argument.
print("hello, " .. (arg[1] or "world"))
