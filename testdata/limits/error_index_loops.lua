-- An error object whose __index never returns, used before raising it.
local e = setmetatable({}, {
  __index = function() while true do end end,
  __tostring = function() while true do end end,
})
local _ = e.message
error(e)
