print((("a%20b%2Fc"):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)))
