-- limit: memory
-- Concatenations kept in a table.
local parts, s = {}, string.rep("y", 512)
local i = 0
while true do i = i + 1 parts[i] = s .. i end
