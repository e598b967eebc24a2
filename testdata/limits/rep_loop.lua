-- want: deadline
-- Many large reps: each is bounded, the loop is not.
while true do local s = string.rep("abc", 1e8 / 3) end
