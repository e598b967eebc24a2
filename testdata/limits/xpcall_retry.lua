-- xpcall with a handler that swallows the error, in a loop.
while true do
  xpcall(function() while true do end end, function(e) return e end)
end
