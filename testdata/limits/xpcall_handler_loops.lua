-- The message handler loops too.
xpcall(function() while true do end end, function() while true do end end)
