-- pcall around an endless loop, in an endless loop: the limit error it
-- catches is raised again by the next instruction.
while true do pcall(function() while true do end end) end
