-- Handles one request for the caller's notes in app:shared. The request
-- arrives as the chunk's argument: {method =, name =, body =}; name is
-- the path after /notes/ ("" for the list). It returns status and body.
--
-- The script names keys by the caller's prefix, but nothing forces it to:
-- the run's scope does. A request that names another tenant's key
-- ("../globex/plan" is just a key like any other) gets 403.
local security = require("security")
local req = ...
local s = assert(store.get("app:shared"))
local prefix = security.actor():meta().prefix or ""

local function fail(err)
  if errors.is(err, errors.PERMISSION_DENIED) then return 403, "forbidden\n" end
  if errors.is(err, errors.NOT_FOUND) then return 404, "no such note\n" end
  error(err)
end

if req.name == "" then
  local page, err = s:list({prefix = req.query.prefix or prefix})
  if not page then return fail(err) end
  local out = {}
  for _, item in ipairs(page.items) do out[#out + 1] = item.key end
  return 200, table.concat(out, "\n") .. "\n"
end
local key = req.query.raw == "1" and req.name or prefix .. req.name
if req.method == "GET" then
  local v, err = s:get(key)
  if v == nil then return fail(err) end
  return 200, v .. "\n"
elseif req.method == "PUT" then
  local ok, err = s:set(key, req.body)
  if not ok then return fail(err) end
  return 204, ""
end
return 405, "method not allowed\n"
