-- limit: memory 8MiB
-- want: INVALID: memory limit of 8 MiB exceeded: concatenation needs
-- A string that doubles in the VM until it is too big: refused before the
-- allocation, counting the string it doubles.
local s = "x"
while true do s = s .. s end
