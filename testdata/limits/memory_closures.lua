-- limit: memory
-- A chain of closures that grows without bound.
local f = function() return 0 end
while true do
  local g = f
  f = function() return g() + 1 end
end
