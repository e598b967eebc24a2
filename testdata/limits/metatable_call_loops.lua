-- A callable table whose __call loops.
local t = setmetatable({}, {__call = function() while true do end end})
t()
