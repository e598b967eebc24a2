-- limit: memory 16MiB
-- want: concatenation: memory limit
-- A chain of .. that triples a string and a number: one allocation per
-- chain, refused before it is made.
local s = "ab"
while true do s = s .. s .. s .. 1 end
