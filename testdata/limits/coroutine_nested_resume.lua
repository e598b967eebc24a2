-- Coroutines that resume new coroutines, each inside the last.
local function spawn(depth)
  return coroutine.create(function()
    if depth < 50 then coroutine.resume(spawn(depth + 1)) end
    while true do end
  end)
end
coroutine.resume(spawn(1))
