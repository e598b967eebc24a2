-- want: deadline
local t = {} for i = 1, 1000 do t[i] = 1000 - i end
table.sort(t, function(a, b) while true do end end)
