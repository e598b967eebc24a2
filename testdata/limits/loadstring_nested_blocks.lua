-- want: chunk has too many syntax levels
local f, err = loadstring(string.rep("do ", 1e6) .. string.rep("end ", 1e6))
error(err)
