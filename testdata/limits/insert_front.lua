-- want: deadline
local t = {}
for i = 1, 1e7 do table.insert(t, 1, i) end
