-- want: memory limit of 1 GiB exceeded: string.rep needs
print(#string.rep("x", 3.5e9))
