-- limit: memory 8MiB
-- A string that doubles in the VM until it is too big.
local s = "x"
while true do s = s .. s end
