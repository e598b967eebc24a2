-- A __concat metamethod that loops.
local t = setmetatable({}, {__concat = function() while true do end end})
local _ = t .. "x"
