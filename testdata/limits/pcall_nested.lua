-- pcall of pcall of an endless loop, forever.
while true do pcall(pcall, function() while true do end end) end
