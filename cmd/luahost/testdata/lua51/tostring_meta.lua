local t = setmetatable({}, {__tostring = function() return "OBJ" end}) print(t, tostring(t))
