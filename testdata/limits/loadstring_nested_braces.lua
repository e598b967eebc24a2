-- want: chunk has too many syntax levels
local f, err = loadstring("return " .. string.rep("{", 1e6) .. string.rep("}", 1e6))
error(err)
