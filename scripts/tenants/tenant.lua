-- Run as a tenant: luahost -r scripts/tenants run --scope app.security:tenant \
--   --actor acme --actor-meta prefix=acme/ scripts/tenants/tenant.lua
local security = require("security")
local me = security.actor()
local prefix = me:meta().prefix
local shared = assert(store.get("app:shared"))

assert(shared:set(prefix .. "plan", "pro"))
print("own key:", shared:get(prefix .. "plan"))

local _, err = shared:get("globex/plan")
print("other tenant's key:", err)

local page = assert(shared:list())
for _, item in ipairs(page.items) do
  print("listed:", item.key)
end
