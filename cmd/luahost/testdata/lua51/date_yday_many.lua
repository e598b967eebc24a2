for m = 1, 12 do local t = os.date("!*t", os.time({year = 2023, month = m, day = 15, hour = 12})) io.write(t.yday, ",", t.wday, " ") end print()
