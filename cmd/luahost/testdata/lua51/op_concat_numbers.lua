-- The .. operator writes numbers as "%.14g", like tostring.
local z = 0
print(1 .. "", -7 .. "", 1/3 .. "", 0.1 .. "", 2^53 .. "", 2^63 .. "", 1e100 .. "", 1e-5 .. "")
print(1/0 .. "", -1/0 .. "", -z .. "", 123456789012345 .. "", 12345678901234 .. "")
print(1 .. 2 .. 3, 1.5 .. 2.25, "n" .. 10 / 4)
local s = "" for i = 1, 10 do s = s .. i .. "," end print(s)
print(("x"):rep(3) .. ("y"):rep(2), #("ab" .. ("c"):rep(1000)))
