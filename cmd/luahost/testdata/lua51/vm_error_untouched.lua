-- Errors a script raises itself keep their value, even in gopher-lua's words.
print(pcall(error, "attempt to call a non-function object"))
print(pcall(function() error("attempt to index a non-table object(nil) with key 'x'") end))
print(pcall(function() error("bad argument #1 to error (x)") end))
local e = {}
print(select(2, pcall(function() error(e) end)) == e)
print(pcall(error))
print(pcall(function() error("level two", 2) end))
