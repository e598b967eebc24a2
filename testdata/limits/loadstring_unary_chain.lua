-- want: chunk has too many syntax levels
local f, err = loadstring("return " .. string.rep("not ", 1e6) .. "true")
error(err)
