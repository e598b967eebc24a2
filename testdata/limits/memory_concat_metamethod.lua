-- limit: memory 16MiB
-- want: INVALID: memory limit of 16 MiB exceeded: concatenation needs
-- A __concat metamethod that doubles what it is given: the concatenation
-- inside it is checked like any other.
local t = setmetatable({}, {__concat = function(a, b) return b .. b end})
local s = "x"
while true do s = t .. s end
