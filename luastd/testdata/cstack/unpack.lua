-- unpack refuses a result list that would not fit beside its arguments
-- in Lua 5.1's C stack (LUAI_MAXCSTACK 8000).
local t = {}
for i = 1, 8000 do t[i] = i end
local function count(...) return select('#', ...) end
for _, n in ipairs{7996, 7997, 7998, 7999, 8000} do
  print("range", n, pcall(function() return count(unpack({}, 1, n)) end))
  print("pcall", n, select('#', pcall(unpack, {}, 1, n)), (select(2, pcall(unpack, {}, 1, n))))
end
-- with only the table as argument there is room for one more
local t7999 = {unpack(t, 1, 7997)}
t7999[7998], t7999[7999] = 7998, 7999
print("whole", pcall(function() return count(unpack(t7999)) end))
print("whole", pcall(function() return count(unpack(t)) end))
print("two args", pcall(function() return count(unpack(t7999, 1)) end))
print("nil args", pcall(function() return count(unpack(t7999, nil, nil)) end))
print("from 2", pcall(function() return count(unpack(t, 2)) end))
print("negative", pcall(function() return count(unpack({}, -7996, 0)) end))
print("empty", pcall(function() return count(unpack({}, 8000, 1)) end))
print("int max", pcall(unpack, {}, 1, 2^31 - 1))
