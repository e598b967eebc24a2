-- Run as support (read-only) against app:shared seeded as for tenant.lua.
local s = assert(store.get("app:shared"))
assert(s:get("globex/k") == 2)
assert(s:get("acme/k") ~= nil)
assert(s:exists("globex/k") == true)
local info = assert(s:info())
assert(info.id == "app:shared")
local _, err = s:set("globex/k", 3)
assert(errors.is(err, errors.PERMISSION_DENIED), tostring(err))
_, err = s:delete("acme/k")
assert(errors.is(err, errors.PERMISSION_DENIED), tostring(err))
_, err = s:clear()
assert(errors.is(err, errors.PERMISSION_DENIED), tostring(err))
local n = 0
for _, item in ipairs(assert(s:list({limit = 1000})).items) do n = n + 1 end
return n
