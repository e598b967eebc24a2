-- Lua 5.1 refuses more than about 8,000 results (LUAI_MAXCSTACK);
-- luahost allows lists of 100,000 (limits.md) and refuses past MaxStack.
local t = {}
for i = 1, 100000 do t[i] = i end
local function count(...) return select('#', ...) end
print("unpack", pcall(function() return count(unpack(t)) end))
print("byte", pcall(function() return count(string.rep("x", 100000):byte(1, -1)) end))
print("resume", pcall(function() return coroutine.resume(coroutine.create(count), unpack(t)) end))
print("wrap", pcall(function() return count(coroutine.wrap(function() coroutine.yield(unpack(t)) end)()) end))
