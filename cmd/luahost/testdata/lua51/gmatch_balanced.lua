for b in ("(a)(b(c))"):gmatch("%b()") do print(b) end
