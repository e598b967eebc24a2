-- want: deadline
-- A flat but huge chunk: compiling is linear, and the loop around it
-- is interruptible.
local src = string.rep("x = 1\n", 200000)
while true do assert(loadstring(src)) end
