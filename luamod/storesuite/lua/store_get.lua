-- store.get: IDs and their errors.

test("a store handle", function()
  local s = ok(store.get(CONFIG.store_id))
  eq(type(s), "userdata", "type")
  contains(tostring(s), CONFIG.store_id, "tostring")
end)

test("empty, malformed and non-string IDs are INVALID", function()
  local bad = { "", "nocolon", ":name", "ns:", 42, true, {} }
  for _, id in ipairs(bad) do
    local err = fails(errors.INVALID, store.get(id))
    eq(err:retryable(), false, "retryable for " .. show(id))
  end
  local err = fails(errors.INVALID, store.get())
  contains(err:message(), "ID", "message for a missing ID")
end)

test("unknown IDs are NOT_FOUND", function()
  local err = fails(errors.NOT_FOUND, store.get("nosuch:entry"))
  contains(err:message(), "nosuch:entry", "message")
end)

test("an entry that is not a store is INVALID", function()
  if CONFIG.non_store_id == "" then return end
  local err = fails(errors.INVALID, store.get(CONFIG.non_store_id))
  contains(err:message(), CONFIG.non_store_id, "message")
end)
