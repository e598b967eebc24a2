-- s:list(opts?) -> {items=, cursor=, has_more=}: live entries in byte-wise
-- key order, with prefix, after (cursor) and limit.

-- sorted returns a sorted copy of list (Lua compares strings byte-wise
-- in the C locale gopher-lua uses, as Go does).
local function sorted(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  table.sort(out)
  return out
end

ext_test("empty store", function()
  local s = fresh()
  local page = ok(s:list())
  eq(page.items, {}, "items")
  eq(page.has_more, false, "has_more")
  eq(page.cursor, "", "cursor of an empty page is an empty string, as in Wippy")
end)

ext_test("byte-wise order, values and versions", function()
  local s = fresh()
  local keys = { "b", "a", "B", "a\0", "a\255", "a\0\0", "ab", "\1", "\255", "h\195\169", "hf", "_", "%", "A" }
  for i, k in ipairs(keys) do ok(s:set(k, { i = i })) end
  local page = ok(s:list())
  eq(keys_of(page), sorted(keys), "keys")
  eq(page.has_more, false, "has_more")
  eq(page.cursor, "\255", "cursor is the last key")
  for _, item in ipairs(page.items) do
    local e = ok(s:entry(item.key))
    eq(item.value, e.value, "value of " .. show(item.key))
    eq(item.version, e.version, "version of " .. show(item.key))
    local n = 0
    for _ in pairs(item) do n = n + 1 end
    eq(n, 3, "an item has key, value and version")
  end
end)

ext_test("prefix", function()
  local s = fresh()
  local keys = {
    "user:1", "user:2", "user:10", "user;", "user", "use", "users:1", "user:\255", "user:\255\255",
    "a%b", "a%c", "axb", "a_b", "a_c", "axc", "a\\b", "\255\255", "\255\255\1", "\255", "\254\255",
  }
  for _, k in ipairs(keys) do ok(s:set(k, 1)) end
  local cases = {
    { "user:", { "user:1", "user:10", "user:2", "user:\255", "user:\255\255" } },
    { "user", { "user", "user:1", "user:10", "user:2", "user:\255", "user:\255\255", "user;", "users:1" } },
    { "user:\255", { "user:\255", "user:\255\255" } },
    { "a%", { "a%b", "a%c" } },          -- LIKE wildcards are plain bytes
    { "a_", { "a_b", "a_c" } },
    { "a\\", { "a\\b" } },
    { "\255", { "\255", "\255\255", "\255\255\1" } },
    { "\255\255", { "\255\255", "\255\255\1" } },
    { "\254", { "\254\255" } },
    { "nope", {} },
    { "", sorted(keys) },
  }
  for _, c in ipairs(cases) do
    eq(keys_of(ok(s:list({ prefix = c[1] }))), c[2], "prefix " .. show(c[1]))
  end
end)

ext_test("after and limit page through the keys", function()
  local s = fresh()
  local want = {}
  for i = 1, 250 do
    local k = string.format("k%04d", (i * 37) % 250)
    ok(s:set(k, i))
    want[#want + 1] = k
  end
  ok(s:set("other", 1))
  want = sorted(want)
  for _, limit in ipairs({ 1, 7, 100, 250, 1000 }) do
    local got, cursor, pages = {}, nil, 0
    repeat
      local page = ok(s:list({ prefix = "k", after = cursor, limit = limit }))
      pages = pages + 1
      truthy(#page.items <= limit, "page size within limit " .. limit)
      for _, item in ipairs(page.items) do got[#got + 1] = item.key end
      if page.has_more then eq(#page.items, limit, "a page with more after it is full") end
      cursor = page.cursor
    until not page.has_more
    eq(got, want, "keys paged with limit " .. limit)
    eq(pages, math.max(1, math.ceil(250 / limit)), "pages with limit " .. limit)
  end
  -- after is exclusive and need not be a key.
  eq(keys_of(ok(s:list({ after = "k0247" }))), { "k0248", "k0249", "other" }, "after a key")
  eq(keys_of(ok(s:list({ after = "k0247x", prefix = "k" }))), { "k0248", "k0249" }, "after a non-key")
  eq(keys_of(ok(s:list({ after = "a", prefix = "k", limit = 2 }))), { "k0000", "k0001" }, "after before the prefix")
  eq(keys_of(ok(s:list({ after = "z" }))), {}, "after every key")
  local last = ok(s:list({ after = "z" }))
  eq(last.has_more, false, "has_more after every key")
  eq(last.cursor, "z", "an empty page keeps the cursor")
end)

ext_test("default limit is 100", function()
  local s = fresh()
  for i = 1, 150 do ok(s:set(string.format("k%03d", i), i)) end
  local page = ok(s:list())
  eq(#page.items, 100, "items")
  eq(page.has_more, true, "has_more")
  eq(page.cursor, "k100", "cursor")
  local rest = ok(s:list({ after = page.cursor }))
  eq(#rest.items, 50, "second page")
  eq(rest.has_more, false, "has_more of the last page")
  local exact = ok(s:list({ limit = 150 }))
  eq(#exact.items, 150, "limit equal to the count")
  eq(exact.has_more, false, "no more after an exactly full page")
end)

ext_test("expired keys are not listed", function()
  local s = fresh()
  ok(s:set("a", 1))
  ok(s:set("b", 2, 0.1))
  ok(s:set("c", 3, 60))
  ok(s:set("d", 4, 0.1))
  eq(keys_of(ok(s:list())), { "a", "b", "c", "d" }, "before expiry")
  sleep(0.15)
  eq(keys_of(ok(s:list())), { "a", "c" }, "after expiry")
  eq(keys_of(ok(s:list({ limit = 1, after = "a" }))), { "c" }, "a page skips expired keys")
  eq(ok(s:list({ limit = 1, after = "a" })).has_more, false, "expired keys do not count as more")
end)

ext_test("list option errors are INVALID", function()
  local s = fresh()
  local cases = {
    { { limit = 0 }, "limit" },
    { { limit = -1 }, "limit" },
    { { limit = 1001 }, "1000" },
    { { limit = 1.5 }, "limit" },
    { { limit = 0 / 0 }, "limit" },
    { { limit = "10" }, "limit" },
    { { prefix = 1 }, "prefix" },
    { { after = true }, "after" },
    { { cursor = "x" }, "cursor" },
    { 5, "table" },
  }
  for _, c in ipairs(cases) do
    local err = fails(errors.INVALID, s:list(c[1]))
    contains(err:message(), c[2], "message for " .. show(c[1]))
  end
  eq(#ok(s:list({ limit = 1000 })).items, 0, "limit 1000 is allowed")
end)

ext_test("list is per store", function()
  local s = fresh()
  local other = fresh(CONFIG.other_store_id)
  ok(s:set("mine", 1))
  ok(other:set("theirs", 1))
  eq(keys_of(ok(s:list())), { "mine" }, "this store")
  eq(keys_of(ok(other:list())), { "theirs" }, "other store")
  ok(other:clear())
end)

ext_test("a value that is not MessagePack does not break a listing", function()
  local s = fresh()
  ok(s:set("a", 1))
  raw_set("b", "\193")          -- 0xc1: never valid MessagePack
  ok(s:set("c", 3))
  local err = fails(errors.INTERNAL, s:get("b"))
  contains(err:message(), 'key "b"', "get names the key")
  local page = ok(s:list())
  eq(keys_of(page), { "a", "b", "c" }, "the listing goes on past the bad row")
  eq(page.items[1].value, 1, "values around it")
  eq(page.items[3].value, 3, "values around it")
  local bad = page.items[2]
  eq(bad.value, nil, "no value for the bad row")
  eq(bad.error:kind(), errors.INTERNAL, "the item carries the error")
  contains(bad.error:message(), 'key "b"', "the item's error names the key")
  local p1 = ok(s:list({ limit = 1, after = "a" }))
  eq(p1.cursor, "b", "paging past a bad row")
  eq(keys_of(ok(s:list({ after = p1.cursor }))), { "c" }, "next page")
end)
