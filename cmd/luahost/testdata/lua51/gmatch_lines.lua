for l in ("l1\nl2\n\nl4"):gmatch("[^\n]+") do print(l) end
