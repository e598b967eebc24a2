print(string.gsub("k1=v1 k2=v2", "(%w+)=(%w+)", function(k, v) return v .. "=" .. k end))
