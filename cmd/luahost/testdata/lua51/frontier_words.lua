print((("THE (quick) fox"):gsub("%f[%a]%a+", function(w) return w:lower() end)))
