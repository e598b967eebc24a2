-- The limit error is caught, then an error object with a looping
-- __tostring is raised.
local e = setmetatable({}, {__tostring = function() while true do end end})
pcall(function() while true do end end)
error(e)
