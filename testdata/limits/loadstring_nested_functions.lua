-- want: chunk has too many syntax levels
local f, err = loadstring(string.rep("function f() ", 1e5) .. string.rep("end ", 1e5))
error(err)
