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

-- A store at max_bytes: a write that would take it past the limit is
-- UNAVAILABLE, retryable, and names the limit and the figures; overwrites
-- no longer than the old value work; deletes and expiry make room.
test("store at max_bytes", function()
  if CONFIG.bytes_store_id == "" then return end
  local max = CONFIG.max_bytes
  local s = fresh(CONFIG.bytes_store_id)
  local half = string.rep("x", 500) -- with a 1-byte key: 1 + 3 (str16 header) + 500
  ok(s:set("a", half))
  local info = ok(s:info())
  eq(info.max_bytes, max, "max_bytes")
  eq(info.bytes, 504, "bytes")
  ok(s:set("b", string.rep("x", 490))) -- 494 bytes: 998 in all
  local err = fails(errors.UNAVAILABLE, s:set("c", "x")) -- 3 more
  eq(err:retryable(), true, "retryable")
  contains(err:message(), "full", "message")
  contains(err:message(), "max_bytes " .. max, "message names the limit")
  contains(err:message(), "adds 3 bytes", "message names the bytes the write adds")
  eq(s:exists("c"), false, "the refused key")
  fails(errors.UNAVAILABLE, s:put("c", "x"))
  fails(errors.UNAVAILABLE, s:set("a", half .. "yyy"))
  eq(ok(s:get("a")), half, "a refused overwrite keeps the old value")
  ok(s:set("a", string.rep("y", 500)))
  eq(ok(s:get("a")), string.rep("y", 500), "overwrite of the same size when full")
  ok(s:set("a", "z"))
  eq(ok(s:info()).bytes, 497, "bytes after a shorter overwrite")
  ok(s:delete("b"))
  eq(ok(s:info()).bytes, 3, "bytes after delete")
  ok(s:set("c", half, 0.1))
  fails(errors.UNAVAILABLE, s:set("d", half))
  sleep(0.25)
  ok(s:set("d", half))
  eq(ok(s:info()).bytes, 507, "expired keys do not count")
  err = fails(errors.INVALID, s:set("e", string.rep("x", max)))
  eq(err:retryable(), false, "a value over max_bytes: not retryable")
  contains(err:message(), "max_bytes " .. max, "a value over max_bytes: message names the limit")
  ok(s:clear())
  eq(ok(s:info()).bytes, 0, "bytes after clear")
end)
