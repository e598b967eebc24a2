-- s:put(key, value, opts?) -> entry; only_if_absent and if_version.

ext_test("put returns the new entry", function()
  local s = fresh()
  local e = ok(s:put("k", { x = 1 }))
  eq(e.key, "k", "key")
  eq(e.value, { x = 1 }, "value")
  eq(type(e.version), "string", "version")
  eq(ok(s:get("k")), { x = 1 }, "stored")
  e.value.x = 2
  eq(ok(s:get("k")), { x = 1 }, "the returned value is a copy")
  local e2 = ok(s:put("k", "over"))
  eq(e2.value, "over", "overwrite")
  eq(ok(s:entry("k")).version, e2.version, "version of the overwrite")
end)

ext_test("put ttl", function()
  local s = fresh()
  ok(s:put("k", 1, { ttl = 0.1 }))
  ok(s:put("keep", 1, { ttl = 0.1 }))
  ok(s:put("keep", 2))                     -- put without ttl removes the expiry
  ok(s:put("zero", 1, { ttl = 0 }))
  sleep(0.15)
  fails(errors.NOT_FOUND, s:get("k"))
  eq(ok(s:get("keep")), 2, "put without ttl")
  eq(ok(s:get("zero")), 1, "ttl 0")
end)

ext_test("only_if_absent", function()
  local s = fresh()
  local e = ok(s:put("k", "first", { only_if_absent = true }))
  eq(e.value, "first", "created")
  local err = fails(errors.ALREADY_EXISTS, s:put("k", "second", { only_if_absent = true }))
  eq(err:retryable(), false, "ALREADY_EXISTS is not retryable")
  eq(ok(s:get("k")), "first", "value after a refused put")
  eq(ok(s:entry("k")).version, e.version, "version after a refused put")
  ok(s:put("k", "third", { only_if_absent = false }))
  eq(ok(s:get("k")), "third", "only_if_absent = false overwrites")
  -- An expired key counts as absent.
  ok(s:set("exp", "old", 0.1))
  fails(errors.ALREADY_EXISTS, s:put("exp", "new", { only_if_absent = true }))
  sleep(0.15)
  local t0 = busy()
  local e2 = ok(s:put("exp", "new", { only_if_absent = true, ttl = 60 }))
  eq(e2.value, "new", "put over an expired key")
  eq(ok(s:get("exp")), "new", "stored over an expired key")
  ttl_near(ok(s:ttl("exp")), 60, t0, "ttl of the new key")
  -- A deleted key too.
  ok(s:delete("k"))
  ok(s:put("k", "again", { only_if_absent = true }))
end)

ext_test("if_version", function()
  local s = fresh()
  if not CONFIG.versioned then
    ok(s:set("k", 1))
    local err = fails(errors.INVALID, s:put("k", 2, { if_version = "" }))
    contains(err:message(), "version", "message says what is missing")
    eq(ok(s:get("k")), 1, "value after a refused put")
    eq(ok(s:info()).capabilities.conditional_put, false, "capabilities.conditional_put")
    return
  end
  ok(s:set("k", 1))
  local v1 = ok(s:entry("k")).version
  local e = ok(s:put("k", 2, { if_version = v1 }))
  eq(e.value, 2, "value")
  truthy(e.version ~= v1, "the version changed")
  eq(ok(s:entry("k")).version, e.version, "entry after put")
  -- The old version no longer matches.
  local err = fails(errors.CONFLICT, s:put("k", 3, { if_version = v1 }))
  eq(err:retryable(), true, "CONFLICT is retryable")
  eq(ok(s:get("k")), 2, "value after a conflict")
  -- Any other write changes the version.
  local v2 = e.version
  ok(s:set("k", 2))
  fails(errors.CONFLICT, s:put("k", 3, { if_version = v2 }))
  -- Versions that were never issued do not match.
  for _, bad in ipairs({ "", "nonsense", "-1", "99999999999999999999" }) do
    fails(errors.CONFLICT, s:put("k", 4, { if_version = bad }))
  end
  -- A missing, deleted or expired key conflicts.
  fails(errors.CONFLICT, s:put("missing", 1, { if_version = v1 }))
  eq(s:exists("missing"), false, "nothing created by a conflicting put")
  local v3 = ok(s:entry("k")).version
  ok(s:delete("k"))
  fails(errors.CONFLICT, s:put("k", 5, { if_version = v3 }))
  ok(s:set("short", 1, 0.1))
  local vs = ok(s:entry("short")).version
  sleep(0.15)
  fails(errors.CONFLICT, s:put("short", 2, { if_version = vs }))
  -- if_version with a ttl.
  ok(s:set("t", 1))
  t0 = busy()
  ok(s:put("t", 2, { if_version = ok(s:entry("t")).version, ttl = 30 }))
  ttl_near(ok(s:ttl("t")), 30, t0, "ttl set by a conditional put")
  eq(ok(s:info()).capabilities.conditional_put, true, "capabilities.conditional_put")
end)

ext_test("compare-and-set loop", function()
  local s = fresh()
  ok(s:set("counter", { n = 0 }))
  for _ = 1, 10 do
    while true do
      local e = ok(s:entry("counter"))
      local opts = CONFIG.versioned and { if_version = e.version } or nil
      local _, err = s:put("counter", { n = e.value.n + 1 }, opts)
      if not err then break end
      eq(errors.is(err, errors.CONFLICT), true, "only conflicts are retried: " .. tostring(err))
    end
  end
  eq(ok(s:get("counter")), { n = 10 })
end)

ext_test("put option errors are INVALID and write nothing", function()
  local s = fresh()
  ok(s:set("k", "old"))
  local cases = {
    { { only_if_absent = true, if_version = "1" }, "only_if_absent" },
    { { ttl = -1 }, "ttl" },
    { { ttl = 0 / 0 }, "ttl" },
    { { ttl = "5" }, "ttl" },
    { { only_if_absent = "yes" }, "only_if_absent" },
    { { if_version = 3 }, "if_version" },
    { { onlyIfAbsent = true }, "onlyIfAbsent" },
    { { [1] = true }, "option" },
    { "opts", "table" },
  }
  for _, c in ipairs(cases) do
    local err = fails(errors.INVALID, s:put("k", "new", c[1]))
    contains(err:message(), c[2], "message for " .. show(c[1]))
    fails(errors.INVALID, s:put("fresh", "new", c[1]))
  end
  eq(ok(s:get("k")), "old", "value after bad puts")
  eq(s:exists("fresh"), false, "no key created by bad puts")
end)

ext_test("put value and key errors", function()
  local s = fresh()
  fails(errors.INVALID, s:put("k", nil))
  local err = fails(errors.INVALID, s:put("k", { f = print }))
  contains(err:message(), "value.f", "path of the bad part")
  fails(errors.INVALID, s:put("", 1))
  fails(errors.INVALID, s:put(5, 1))
  eq(s:exists("k"), false, "nothing written")
end)

ext_test("put on a full store", function()
  if CONFIG.full_store_id == "" then return end
  local s = fresh(CONFIG.full_store_id)
  for i = 1, CONFIG.max_size do ok(s:put("k" .. i, i)) end
  local err = fails(errors.UNAVAILABLE, s:put("new", 1))
  eq(err:retryable(), true, "retryable")
  fails(errors.UNAVAILABLE, s:put("new", 1, { only_if_absent = true }))
  fails(errors.ALREADY_EXISTS, s:put("k1", 1, { only_if_absent = true }))
  ok(s:put("k1", "over"))
  ok(s:clear())
end)
