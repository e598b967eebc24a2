-- collectgarbage's results: their types, and the values that do not
-- depend on the collector's state.
print(collectgarbage())
print(collectgarbage("collect"))
print(type(collectgarbage("count")), collectgarbage("count") > 0, select("#", collectgarbage("count")))
print(type(collectgarbage("step")))
print(type(collectgarbage("step", 10)))
print(collectgarbage("stop"))
print(collectgarbage("restart"))
print(type(collectgarbage("setpause", 200)), type(collectgarbage("setstepmul", 200)))
print(pcall(function() collectgarbage("nonsense") end))
print(pcall(function() collectgarbage({}) end))
print(pcall(function() collectgarbage("step", {}) end))
local before = collectgarbage("count")
local t = {}
for i = 1, 20000 do t[i] = {i} end
print(collectgarbage("count") > before - 1)
