-- upper and lower change ASCII letters only (the C locale); reverse
-- reverses bytes.
local s = "abc XYZ 123 \195\169\195\137 \255 z"
print(s:upper(), s:lower(), s:reverse())
print(#s:upper(), #s:lower(), #s:reverse())
print(("").upper(""), ("").reverse(""))
print(pcall(function() return string.upper() end))
print(pcall(function() return string.lower({}) end))
print(pcall(function() return string.reverse(nil) end))
print(string.upper(12), string.reverse(12.5))
print(("a\0b"):upper() == "A\0B", ("a\0b"):reverse() == "b\0a")
