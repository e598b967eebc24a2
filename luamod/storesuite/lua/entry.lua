-- s:entry(key) -> {key=, value=, version=}: versions change on every write.

ext_test("entry of a live key", function()
  local s = fresh()
  ok(s:set("k", { a = 1, list = { 1, 2, 3 } }))
  local e = ok(s:entry("k"))
  eq(e.key, "k", "key")
  eq(e.value, { a = 1, list = { 1, 2, 3 } }, "value")
  eq(type(e.version), "string", "version type")
  local n = 0
  for _ in pairs(e) do n = n + 1 end
  eq(n, 3, "entry has exactly key, value and version")
end)

ext_test("entry of missing and expired keys is NOT_FOUND", function()
  local s = fresh()
  local err = fails(errors.NOT_FOUND, s:entry("missing"))
  contains(err:message(), '"missing"', "message names the key")
  ok(s:set("short", 1, 0.1))
  ok(s:entry("short"))
  sleep(0.15)
  fails(errors.NOT_FOUND, s:entry("short"))
end)

ext_test("entry values are fresh copies", function()
  local s = fresh()
  ok(s:set("t", { n = 1 }))
  local e = ok(s:entry("t"))
  e.value.n = 2
  eq(ok(s:get("t")), { n = 1 }, "stored value after mutating the entry")
  eq(ok(s:entry("t")).value, { n = 1 }, "a second entry")
end)

ext_test("binary keys and every value type", function()
  local s = fresh()
  local cases = {
    { "a\0b", "nul" }, { "\255\254", true }, { "n", 1.5 }, { "i", -42 }, { "s", "" }, { "t", {} },
  }
  for _, c in ipairs(cases) do
    ok(s:set(c[1], c[2]))
    local e = ok(s:entry(c[1]))
    eq(e.key, c[1], "key")
    eq(e.value, c[2], "value of " .. show(c[1]))
  end
end)

ext_test("versions change on every write", function()
  local s = fresh()
  if not CONFIG.versioned then
    ok(s:set("k", 1))
    eq(ok(s:entry("k")).version, "", "version without versions")
    eq(ok(s:put("k", 2)).version, "", "put version without versions")
    return
  end
  local seen = {}
  local function fresh_version(what)
    local v = ok(s:entry("k")).version
    truthy(v ~= "", what .. ": version is empty")
    truthy(not seen[v], what .. ": version " .. show(v) .. " seen before")
    seen[v] = true
    return v
  end
  ok(s:set("k", 1))
  fresh_version("set")
  ok(s:set("k", 1))
  fresh_version("set of the same value")
  local p = ok(s:put("k", 2))
  eq(fresh_version("put"), p.version, "put returns the new version")
  ok(s:incr("k"))
  fresh_version("incr")
  eq(ok(s:expire("k", 100)), true, "expire")
  fresh_version("expire")
  ok(s:put("k", 5, { if_version = ok(s:entry("k")).version }))
  fresh_version("conditional put")
  -- Reads do not change it.
  local v = ok(s:entry("k")).version
  ok(s:get("k"))
  s:exists("k")
  s:ttl("k")
  eq(ok(s:entry("k")).version, v, "version after reads")
  ok(s:set("other", 1))
  eq(ok(s:entry("k")).version, v, "version after writing another key")
end)

ext_test("entry argument errors", function()
  local s = fresh()
  fails(errors.INVALID, s:entry(""))
  fails(errors.INVALID, s:entry(1))
  fails(errors.INVALID, s:entry())
  raises("store expected", s.entry, "k")
end)
