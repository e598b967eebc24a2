-- __concat: which operand's metamethod, in what order, with which values.
local log = {}
local mt = {__concat = function(a, b)
  log[#log + 1] = type(a) .. ":" .. (type(b) == "table" and "t" or tostring(b))
  return setmetatable({}, getmetatable(type(a) == "table" and a or b))
end}
local t = setmetatable({}, mt)
local r = t .. "a" .. "b" .. 1
r = 1 .. 2 .. t
r = "x" .. t .. t .. "y"
print(table.concat(log, " "))
local A = setmetatable({}, {__concat = function() return "A" end})
local B = setmetatable({}, {__concat = function() return "B" end})
print(A .. B, B .. A, A .. "s", "s" .. B, 1 .. A)
local w = setmetatable({}, {__concat = function(a, b) return "<" .. tostring(type(a) == "table" and b or a) .. ">" end})
print("x" .. "y" .. w .. "z", w .. 1.5, 0.1 .. w)
