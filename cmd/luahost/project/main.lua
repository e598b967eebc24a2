-- A first luahost script. Run it with
--   luahost run -r registry.yaml main.lua [name]
local name = arg[1] or "world"

-- Store calls never raise: they return nil, err on failure.
local cache, err = store.get("app:cache")
if not cache then
  error(err)
end
local kv = assert(store.get("app:kv"))

-- A greeting kept for 60 seconds.
assert(cache:set("greeting:" .. name, "hello, " .. name, 60))
print(assert(cache:get("greeting:" .. name)))

{{if .SQLite}}-- A counter that survives restarts: app:kv is a SQLite table.{{else}}-- A counter in app:kv (in memory here: see registry.yaml to keep it).{{end}}
local visits = assert(kv:incr("visits:" .. name))
print(name .. " visits: " .. visits)

-- A missing key is a NOT_FOUND error; errors.is tells kinds apart.
local value, gerr = kv:get("no such key")
if errors.is(gerr, errors.NOT_FOUND) then
  print("not found: " .. gerr:message())
elseif gerr then
  error(gerr)
else
  print(value)
end

-- Every counter, a page at a time.
local page = assert(kv:list({ prefix = "visits:" }))
for _, item in ipairs(page.items) do
  print(item.key, item.value)
end
