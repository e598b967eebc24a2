print(string.gsub("$x $y", "%$(%w+)", {x = false}))
