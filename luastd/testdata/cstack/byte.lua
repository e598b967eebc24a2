-- string.byte refuses a slice that would not fit beside its arguments in
-- Lua 5.1's C stack (LUAI_MAXCSTACK 8000), with luaL_checkstack's message.
local s = string.rep("a", 8100)
local function count(...) return select('#', ...) end
for _, n in ipairs{7996, 7997, 7998, 8000, 8100} do
  print("byte", n, pcall(function() return count(s:byte(1, n)) end))
  print("byte -n", n, pcall(function() return count(s:byte(-n, -1)) end))
end
print("pcall", pcall(string.byte, s, 1, 7998))
print("pcall", select('#', pcall(string.byte, s, 1, 7997)))
print("clamped", pcall(function() return count(s:byte(8100 - 7996, 9000)) end))
