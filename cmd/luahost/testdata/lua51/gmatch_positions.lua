for p in string.gmatch("hello", "()l") do print(p) end
