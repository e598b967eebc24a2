-- A store at max_size: new keys are UNAVAILABLE, overwrites work, expired
-- entries do not count.

test("full store", function()
  if CONFIG.full_store_id == "" then return end
  local max = CONFIG.max_size
  local s = fresh(CONFIG.full_store_id)
  for i = 1, max do ok(s:set("k" .. i, i)) end
  local err = fails(errors.UNAVAILABLE, s:set("one-too-many", 0))
  eq(err:retryable(), true, "retryable")
  contains(err:message(), "full", "message")
  contains(err:message(), tostring(max), "message names the limit")
  eq(s:exists("one-too-many"), false, "the new key")
  ok(s:set("k1", "overwritten"))
  eq(ok(s:get("k1")), "overwritten", "overwrite when full")
  eq(s:delete("k1"), true, "delete")
  ok(s:set("one-more", 1))
  fails(errors.UNAVAILABLE, s:set("and-another", 1))
  ok(s:clear())
end)

test("expired entries do not count toward max_size", function()
  if CONFIG.full_store_id == "" then return end
  local max = CONFIG.max_size
  local s = fresh(CONFIG.full_store_id)
  for i = 1, max do ok(s:set("k" .. i, i, 0.1)) end
  fails(errors.UNAVAILABLE, s:set("new", 0))
  sleep(0.25)
  for i = 1, max do ok(s:set("new" .. i, i)) end
  fails(errors.UNAVAILABLE, s:set("k1", 1))
  ok(s:clear())
end)
