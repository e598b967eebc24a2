for w in string.gmatch("^a^a", "^a") do print(w) end
