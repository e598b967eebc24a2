-- A generic for adjusts its expression list to three values (generator,
-- state, control) whatever the number of loop variables, so an iterator
-- never sees what an earlier statement left in a register.
local function show(...) print("args", select('#', ...), ...) return nil end
local a, b, c = "left", "over", "values"
for k in show do end
a, b, c = "left", "over", "values"
for k, v in show do end
for k in show, "s" do end
for k, v in show, "s" do end
for k, v, w in show do end
for k, v, w, x in show do end
for k in show, "s", "c" do end
for k in show, "s", "c", "extra" do end
local function two() return "s2", "c2", "x2" end
for k in show, two() do end
for k, v in show, two() do end
for k in show, "s", two() do end
local function gen() return show, "g1", "g2", "g3" end
for k in gen() do end
for k, v, w, x in gen() do end
local function va(...) for k in ... do end end
va(show)
va(show, 1)
va(show, 1, 2, 3)
-- next with an explicit table after an earlier loop.
local keys = {}
for i = 1, 3 do keys[i] = i * 10 end
local t = {x = 1}
local n = 0
for k, v in next, t do n = n + 1 end
print("next", n)
n = 0
for k in next, {1, 2, 3} do n = n + 1 end
print("next", n)
-- Results past the loop variables are dropped.
local function three(_, i) if i < 3 then return i + 1, "second", "third" end end
for i in three, nil, 0 do print("i", i) end
for i, s in three, nil, 0 do print("is", i, s) end
-- A Go function as the generator gets nil, nil, as in Lua 5.1.
print(pcall(function() for k in string.upper do end end))
print(pcall(function() local rep = string.rep for k in rep, "x" do end end))
print(pcall(function() for k in print do end end))
print(pcall(function() for k in nil do end end))
print(pcall(function() for k in 1, 2, 3 do end end))
