-- Short function calls inside an endless loop.
local function add(a, b) return a + b end
local x = 0
while true do x = add(x, 1) end
