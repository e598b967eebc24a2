-- A generic for over an iterator that never ends.
local function forever() return 1 end
for _ in forever do end
