-- want: deadline
local t = {} for i = 1, 300000 do t[i] = (i * 7919) % 300007 end
while true do
  local u = {} for i = 1, #t do u[i] = t[i] end
  table.sort(u, function(a, b) return a < b end)
end
