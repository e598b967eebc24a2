-- Lookups through a chain of __index tables, forever.
local t = {}
for i = 1, 90 do t = setmetatable({}, {__index = t}) end
while true do local _ = t.missing end
