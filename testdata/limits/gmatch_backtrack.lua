-- want: deadline
local s = string.rep("ab", 3000)
for w in s:gmatch(string.rep("[ab]-", 20) .. "c") do print(w) end
