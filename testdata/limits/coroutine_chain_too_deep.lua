-- want: C stack overflow
-- Coroutines each resuming a new one, without end: the chain stops at
-- Lua 5.1's depth with its error.
local function spawn()
  local co = coroutine.create(spawn)
  local ok, err = coroutine.resume(co)
  if not ok then error(err, 0) end
end
spawn()
