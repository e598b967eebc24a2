-- want: deadline
local f = string.rep("%d", 200000)
local args = {} for i = 1, 200000 do args[i] = i end
while true do local r = string.format(f, unpack(args)) end
