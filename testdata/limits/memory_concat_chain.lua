-- limit: memory 16MiB
-- want: INVALID: memory limit of 16 MiB exceeded: concatenation needs
-- A chain of .. that triples a string and a number: one allocation per
-- chain, refused before it is made. s..s alone (12 MiB) would fit under
-- the cap; the chain (18 MiB) does not, and the run holds only s (6 MiB),
-- so the refusal comes from the check, not from the heap watchdog, which
-- sees no garbage to race it.
local s = string.rep("ab", 3 * 1024 * 1024)
while true do s = s .. s .. s .. 1 end
