-- s:info().

ext_test("info fields", function()
  local s = fresh()
  local info = ok(s:info())
  eq(info.id, CONFIG.store_id, "id")
  eq(type(info.kind), "string", "kind")
  eq(type(info.backend), "string", "backend")
  if CONFIG.kind ~= "" then eq(info.kind, CONFIG.kind, "kind") end
  -- CONFIG.backend is what the Go store reports: the dialect, for SQL.
  local sql = { sqlite = true, postgres = true, mysql = true }
  if sql[CONFIG.backend] then
    eq(info.backend, store.backend.SQL, "backend")
    eq(info.dialect, CONFIG.backend, "dialect")
    eq(info.consistency, store.consistency.LINEARIZABLE, "consistency")
  elseif CONFIG.backend ~= "" then
    eq(info.backend, CONFIG.backend, "backend")
    eq(info.dialect, nil, "dialect")
  end
  if CONFIG.backend == "memory" then
    eq(info.consistency, store.consistency.LOCAL, "consistency")
  end
  -- Every backend names a level from store.consistency.
  local levels = {}
  for _, v in pairs(store.consistency) do levels[v] = true end
  eq(levels[info.consistency], true, "consistency is one of store.consistency")
  eq(info.durable, CONFIG.durable, "durable")
  eq(info.size, 0, "size of an empty store")
  eq(type(info.max_size), "number", "max_size")
  if CONFIG.counts_bytes then
    eq(info.bytes, 0, "bytes of an empty store")
    eq(type(info.max_bytes), "number", "max_bytes")
  else
    eq(info.bytes, nil, "bytes, on a store that does not count them")
    eq(info.max_bytes, nil, "max_bytes, on a store that does not count bytes")
  end
  local caps = info.capabilities
  eq(type(caps), "table", "capabilities")
  eq(caps.ttl, true, "capabilities.ttl")
  eq(caps.list, true, "capabilities.list")
  eq(caps.incr, true, "capabilities.incr")
  eq(caps.versioned, CONFIG.versioned, "capabilities.versioned")
  eq(caps.conditional_put, CONFIG.versioned, "capabilities.conditional_put")
  -- Flat, as in Wippy.
  for _, c in ipairs({ "ttl", "list", "incr", "versioned", "conditional_put" }) do
    eq(info[c], caps[c], c .. " is flat too")
  end
end)

test("store.backend and store.consistency", function()
  eq(store.backend, { MEMORY = "memory", SQL = "sql", REDIS = "redis", KV_RAFT = "kv_raft", KV_CRDT = "kv_crdt", UNKNOWN = "unknown" }, "store.backend")
  eq(store.consistency, { LINEARIZABLE = "linearizable", EVENTUAL = "eventual", LOCAL = "local", UNKNOWN = "unknown" }, "store.consistency")
end)

ext_test("info size counts live keys", function()
  local s = fresh()
  for i = 1, 5 do ok(s:set("k" .. i, i)) end
  ok(s:set("short", 1, 0.1))
  eq(ok(s:info()).size, 6, "size")
  sleep(0.15)
  eq(ok(s:info()).size, 5, "size after expiry")
  ok(s:delete("k1"))
  eq(ok(s:info()).size, 4, "size after delete")
end)

ext_test("info bytes counts keys and stored values of live keys", function()
  if not CONFIG.counts_bytes then return end
  local s = fresh()
  ok(s:set("k", "v"))                      -- 1 + 2 (a MessagePack fixstr)
  ok(s:set("n", 1))                        -- 1 + 1 (a fixint)
  ok(s:set("long", string.rep("x", 300)))  -- 4 + 3 + 300 (a str16)
  eq(ok(s:info()).bytes, 312, "bytes")
  ok(s:set("short", "x", 0.1))             -- 5 + 2
  eq(ok(s:info()).bytes, 319, "bytes with a key about to expire")
  sleep(0.15)
  eq(ok(s:info()).bytes, 312, "bytes after expiry")
  ok(s:delete("long"))
  eq(ok(s:info()).bytes, 5, "bytes after delete")
  ok(s:incr("n", 1000))                    -- 1001: a uint16, 1 + 3
  eq(ok(s:info()).bytes, 7, "bytes after incr")
end)

ext_test("info of the full store", function()
  if CONFIG.full_store_id == "" then return end
  local s = fresh(CONFIG.full_store_id)
  local info = ok(s:info())
  eq(info.id, CONFIG.full_store_id, "id")
  eq(info.max_size, CONFIG.max_size, "max_size")
end)
