-- Chains of nested resumes: 150 deep works; 200 deep fails with Lua
-- 5.1's C stack error at the same depth.
local function chain(limit)
  local depth = 0
  local function spawn()
    depth = depth + 1
    if depth >= limit then return "bottom" end
    local ok, v = coroutine.resume(coroutine.create(spawn))
    if not ok then error(v, 0) end
    return v
  end
  local ok, v = pcall(spawn)
  return ok, v, depth
end
print(chain(150))
print(chain(200))
local n = 0
local function wrapped() n = n + 1 if n < 100 then return coroutine.wrap(wrapped)() end return n end
print(wrapped())
