-- want: deadline
while true do local s = tostring(1e308) .. tostring(-1/0) .. tostring(2^1023) end
