-- want: deadline
-- Nested quantifiers over a subject that never matches at the end.
local s = string.rep("a", 5000)
print(s:match(string.rep("a*", 30) .. "b"))
