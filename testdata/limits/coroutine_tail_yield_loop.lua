-- want: deadline
-- Generators that yield in their body's tail call, made and drained
-- forever.
while true do
  local g = coroutine.wrap(function(...) return coroutine.yield(...) end)
  g(1)
  g(2)
end
