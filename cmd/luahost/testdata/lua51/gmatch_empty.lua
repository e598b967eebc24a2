for w in string.gmatch("abc", "") do io.write("[", w, "]") end print()
