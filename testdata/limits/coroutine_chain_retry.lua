-- want: deadline
-- A chain of coroutines as deep as it may go, whose last one retries the
-- refused resume forever.
local function spawn()
  local co = coroutine.create(spawn)
  while not coroutine.resume(co) do end
end
spawn()
