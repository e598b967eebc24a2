local mt = {__concat = function(a, b) return "cat" end} local a = setmetatable({}, mt) print(a .. "x", "x" .. a)
