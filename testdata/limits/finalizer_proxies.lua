-- Userdata with a __gc that would loop, made in an endless loop: no
-- finalizer may keep the host busy after the limit.
while true do
  local p = newproxy(true)
  getmetatable(p).__gc = function() while true do end end
end
