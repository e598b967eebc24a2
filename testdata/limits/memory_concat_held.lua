-- limit: memory 32MiB
-- want: in use
-- A concatenation within the cap alone, refused for what the script
-- already holds.
local keep = string.rep("k", 20 * 2^20)
local s = string.rep("x", 2^20)
while true do s = s .. s end
