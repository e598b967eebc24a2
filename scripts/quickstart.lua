-- quickstart.lua: a tour of the store module on the built-in registry.
--   luahost run scripts/quickstart.lua [name]
local name = arg[1] or "world"

-- app:cache lives in memory: fast, gone when the process ends.
local cache = assert(store.get("app:cache"))
assert(cache:set("greeting", "hello, " .. name, 60)) -- expires in 60 s
print(cache:get("greeting"))

-- Values are booleans, numbers, strings and tables of them; a get returns
-- an equal, fresh copy.
cache:set("user:1", { name = "Ada", langs = { "lua", "go" }, admin = true })
local user = cache:get("user:1")
print(user.name, table.concat(user.langs, ","), user.admin)

-- Failures come back as nil, err; errors.is tells what kind.
local v, err = cache:get("missing")
print(v, err:kind(), errors.is(err, errors.NOT_FOUND))

-- app:kv is a SQLite table in ./luahost.db: it survives restarts.
local kv = assert(store.get("app:kv"))
local runs = kv:get("quickstart:runs") or 0
kv:set("quickstart:runs", runs + 1)
print("quickstart has run " .. (runs + 1) .. " time(s) in this folder")
