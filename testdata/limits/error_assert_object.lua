-- assert with an error object whose __tostring loops.
assert(false, setmetatable({}, {__tostring = function() while true do end end}))
