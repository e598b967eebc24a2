-- want: chunk has too many syntax levels
local n = 0
local f, err = load(function()
  n = n + 1
  if n == 1 then return "return " end
  if n <= 1001 then return string.rep("{", 1000) end
  if n <= 2001 then return string.rep("}", 1000) end
end)
error(err)
