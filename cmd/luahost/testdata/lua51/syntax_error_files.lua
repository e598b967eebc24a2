-- loadfile and dofile on a file with a syntax error and on one that is
-- missing: the message, and no position of dofile's caller.
print(loadfile("syntax_error.lua.txt"))
print(pcall(dofile, "syntax_error.lua.txt"))
print(loadfile("no_such_file.lua"))
print(pcall(dofile, "no_such_file.lua"))
print(select("#", loadfile("syntax_error.lua.txt")))
