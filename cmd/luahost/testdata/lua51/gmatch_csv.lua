for f in ("a,,b,c,"):gmatch("([^,]*)") do io.write("<", f, ">") end print()
