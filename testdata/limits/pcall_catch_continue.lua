-- Catches every error, limit included, and carries on working.
local n = 0
while true do
  local ok = pcall(function() for i = 1, 1e5 do n = n + i end end)
  if not ok then n = 0 end
end
