-- Recursion to the deepest stack level, then an endless loop there.
local function f()
  pcall(f)
  while true do end
end
f()
