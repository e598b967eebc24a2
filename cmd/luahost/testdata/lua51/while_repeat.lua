local i, s = 0, 0 while i < 10 do i = i + 1 s = s + i end repeat i = i - 1 until i <= 5 print(s, i)
