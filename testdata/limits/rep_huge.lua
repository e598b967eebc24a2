-- want: memory limit
print(#string.rep("x", 3.5e9))
