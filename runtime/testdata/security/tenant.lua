-- Run as tenant acme (prefix acme/) against app:shared, which a trusted
-- run seeded with acme/k = 1, globex/k = 2 and globex keys around acme's.
-- Every store method on globex's key is denied; on acme's own, allowed.
local security = require("security")
local s = assert(store.get("app:shared"))

local function denied(what, action, ok, err, store_id)
  assert(ok == nil, what .. ": expected a denial, got " .. tostring(ok))
  assert(errors.is(err, errors.PERMISSION_DENIED), what .. ": want PERMISSION_DENIED, got " .. tostring(err))
  assert(err:retryable() == false, what .. ": a denial is not retryable")
  local msg = err:message()
  assert(msg:find(action, 1, true), what .. ": message does not name " .. action .. ": " .. msg)
  assert(msg:find(store_id or "app:shared", 1, true), what .. ": message does not name the store: " .. msg)
  assert(not msg:find("tenant_keys", 1, true) and not msg:find("startsWith", 1, true),
    what .. ": message shows policy internals: " .. msg)
end

local other = "globex/k"
denied("get", "store.key.get", s:get(other))
denied("entry", "store.key.get", s:entry(other))
denied("ttl", "store.key.get", s:ttl(other))
denied("set", "store.key.set", s:set(other, "stolen"))
denied("put", "store.key.set", s:put(other, "stolen"))
denied("incr", "store.key.set", s:incr(other, 5))
denied("expire", "store.key.set", s:expire(other, 1))
denied("delete", "store.key.delete", s:delete(other))
denied("exists", "store.key.has", s:exists(other))
denied("has", "store.key.has", s:has(other))
denied("missing key", "store.key.get", s:get("globex/nothing"))
denied("clear", "store.clear", s:clear())
denied("info", "store.info", s:info())
local ok, err = store.get("app:other")
denied("other store", "store.get", ok, err, "app:other")
ok, err = store.get("app:nothing_here")
denied("unknown store", "store.get", ok, err, "app:nothing_here")

local mine = "acme/k"
assert(s:get(mine) == 1)
assert(s:set(mine, 10) == true)
assert(s:incr(mine, 1) == 11)
assert(s:exists(mine) == true and s:has(mine) == true)
assert(s:entry(mine).value == 11)
assert(s:put("acme/new", "x").value == "x")
assert(s:expire("acme/new", 0) == true)
assert(s:ttl("acme/new") == -1)
assert(s:delete("acme/new") == true)

-- list: only acme's keys, whatever the page size; nothing of globex's
-- keys shows in items, cursor or has_more.
for _, limit in ipairs({1, 2, 100}) do
  local keys, after, pages = {}, nil, 0
  repeat
    local page = assert(s:list({limit = limit, after = after}))
    pages = pages + 1
    for _, item in ipairs(page.items) do
      assert(item.key:sub(1, 5) == "acme/", "listed another tenant's key " .. item.key)
      keys[#keys + 1] = item.key
    end
    assert(page.cursor == "" or page.cursor:sub(1, 5) == "acme/", "cursor leaks " .. page.cursor)
    after = page.cursor
  until not page.has_more
  assert(#keys == 1 and keys[1] == "acme/k", "limit " .. limit .. ": listed " .. table.concat(keys, ","))
  assert(pages == 1, "limit " .. limit .. ": has_more promised a page with nothing visible")
end
local page = assert(s:list({prefix = "globex/"}))
assert(#page.items == 0 and page.cursor == "" and page.has_more == false)

-- The module reports the run's context and cannot widen it.
assert(security.actor():id() == "acme")
local meta = security.actor():meta()
meta.prefix = "globex/"
assert(security.actor():meta().prefix == "acme/", "actor meta is shared with the script")
assert(security.can("store.key.get", "app:shared", {key = "acme/x"}) == true)
assert(security.can("store.key.get", "app:shared", {key = "globex/x"}) == false)
assert(security.can("store.clear", "app:shared") == false)
assert(security.scope():contains("app.security:tenant_keys"))
assert(not security.scope():contains("app.security:support_read"))
assert(getmetatable(security.scope()) == false, "scope metatable reachable")
-- Replacing Lua-side functions fools only the script: the checks are in
-- the Go functions behind them.
security.can = function() return true end
assert(require("security").can("store.clear", "app:shared") == true)
denied("clear after replacing can", "store.clear", s:clear())
local mt = getmetatable(s)
if type(mt) == "table" and type(mt.__index) == "table" then
  local original = mt.__index.get
  mt.__index.get = function(self, key) return original(self, key) end
end
denied("get through a wrapper", "store.key.get", s:get(other))
if debug and debug.getregistry then
  for k, v in pairs(debug.getregistry()) do
    if type(v) == "table" then rawset(v, "sec", nil) end
  end
end
denied("get after clearing the registry", "store.key.get", s:get(other))
return "ok"
