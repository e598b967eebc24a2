-- want: deadline
local t = {} for i = 1, 1000000 do t[i] = "abcdefgh" end
while true do local s = table.concat(t, ",") end
