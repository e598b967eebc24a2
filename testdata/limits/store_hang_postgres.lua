-- registry: hang_postgres.yaml
-- A store on a PostgreSQL server that accepts the connection and never
-- answers.
local s, err = store.get("app:kv")
while true do
  if s then s:get("k") else s, err = store.get("app:kv") end
end
