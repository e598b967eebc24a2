local ok = true for t = 0, 2e9, 123456789 do if os.time(os.date("*t", t)) ~= t then ok = false end end print(ok)
