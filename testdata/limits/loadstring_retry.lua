-- Compiles small chunks forever.
local i = 0
while true do i = i + 1 assert(loadstring("return " .. i))() end
