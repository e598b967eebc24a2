-- Handles one HTTP request: counts visits per path in app:cache and says
-- how many there were. The request arrives as the chunk's argument:
-- {method = "GET", path = "/a", query = {name = "Ada"}}. It returns the
-- status and the body.
--
-- The count is a read and a write, not an atomic increment: two requests
-- for one path at the same instant may count once.
local req = ...
if req.method ~= "GET" then
  return 405, "method not allowed\n"
end
local s = assert(store.get("app:cache"))
local key = "visits:" .. req.path
local n, err = s:get(key)
if err then
  if not errors.is(err, errors.NOT_FOUND) then error(err) end
  n = 0
end
n = n + 1
assert(s:set(key, n))
local who = req.query.name or "visitor"
return 200, string.format("hello, %s: %s has %d visit%s\n", who, req.path, n, n == 1 and "" or "s")
