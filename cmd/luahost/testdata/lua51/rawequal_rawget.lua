local t = setmetatable({}, {__index = function() return 1 end}) print(t.x, rawget(t, "x"), rawequal(t, t))
