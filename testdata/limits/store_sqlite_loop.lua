-- Store calls on store.sql over SQLite, forever.
local s = assert(store.get("app:kv"))
local i = 0
while true do
  i = i + 1
  s:set("k" .. (i % 10), i)
  s:incr("n")
end
