-- Deep recursion retried forever.
local function f() while true do pcall(f) end end
f()
