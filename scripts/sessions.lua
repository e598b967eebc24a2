-- sessions.lua: short-lived sessions in memory, durable profiles in SQLite.
local sessions = assert(store.get("app:sessions"))
local kv = assert(store.get("app:kv"))

kv:set("profile:ada", { name = "Ada Lovelace", visits = 0 })
local profile = kv:get("profile:ada")
profile.visits = profile.visits + 1
kv:set("profile:ada", profile)

local token = string.format("%08x", math.random(0, 0x7fffffff))
sessions:set("session:" .. token, { user = "ada" }, 0.2) -- 200 ms
print("session", token, sessions:exists("session:" .. token))
print("profile", profile.name, profile.visits)
