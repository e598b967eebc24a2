-- want: chunk has too many syntax levels
local f, err = loadstring("return " .. string.rep([["a"..]], 1000000) .. [["a"]])
error(err)
