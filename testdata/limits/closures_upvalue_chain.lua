-- A chain of closures, each calling the one before through an upvalue,
-- the first looping.
local f = function() while true do end end
for i = 1, 200 do
  local g = f
  f = function() return g() end
end
f()
