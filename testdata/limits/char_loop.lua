-- want: deadline
local t = {} for i = 1, 100000 do t[i] = 65 end
while true do local s = string.char(unpack(t)) end
