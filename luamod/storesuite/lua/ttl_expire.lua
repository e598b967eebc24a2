-- s:ttl(key) and s:expire(key, ttl).

ext_test("ttl", function()
  local s = fresh()
  ok(s:set("none", 1))
  local t0 = busy()
  ok(s:set("ten", 1, 10))
  ok(s:set("frac", 1, 1.5))
  ok(s:set("ms", 1, 0.001))
  eq(ok(s:ttl("none")), -1, "no expiry")
  ttl_near(ok(s:ttl("ten")), 10, t0, "10s")
  ttl_near(ok(s:ttl("frac")), 1.5, t0, "1.5s")
  if CONFIG.fake_clock then
    -- On real time a 1 ms TTL may run out before the next call.
    local left = ok(s:ttl("ms"))
    truthy(left > 0 and left <= 0.001, "1ms ttl reads " .. show(left))
  end
  sleep(0.5)
  ttl_near(ok(s:ttl("ten")), 9.5, t0, "10s after 0.5s")
  ttl_near(ok(s:ttl("frac")), 1.0, t0, "1.5s after 0.5s")
  fails(errors.NOT_FOUND, s:ttl("ms"))
  local err = fails(errors.NOT_FOUND, s:ttl("missing"))
  contains(err:message(), '"missing"', "message names the key")
  fails(errors.INVALID, s:ttl(""))
end)

ext_test("ttl has millisecond resolution", function()
  if not CONFIG.fake_clock then return end
  local s = fresh()
  ok(s:set("k", 1, 2.345))
  eq(ok(s:ttl("k")), 2.345, "ttl")
  sleep(0.0015)
  local left = ok(s:ttl("k"))
  truthy(left == 2.344 or left == 2.343, "ttl after 1.5ms: " .. show(left))
end)

ext_test("expire", function()
  local s = fresh()
  ok(s:set("k", "v"))
  local t0 = busy()
  eq(ok(s:expire("k", 30)), true, "expire of a live key")
  ttl_near(ok(s:ttl("k")), 30, t0, "ttl after expire")
  eq(ok(s:get("k")), "v", "value kept")
  eq(ok(s:expire("k", 30)), true, "expire again with the same ttl")
  eq(ok(s:expire("k", 0)), true, "expire 0")
  eq(ok(s:ttl("k")), -1, "expire 0 removes the expiry")
  eq(ok(s:expire("k", 0)), true, "expire 0 on a key without expiry")
  -- Half a second: on a server's own clock the next call must land before
  -- it, even on a loaded machine.
  ok(s:expire("k", 0.5))
  eq(s:exists("k"), true, "live before the new expiry")
  sleep(0.55)
  eq(s:exists("k"), false, "expired by expire")
  eq(s:expire("k", 10), false, "expire of an expired key")
  eq(s:exists("k"), false, "expire does not revive a key")
  eq(s:expire("missing", 10), false, "expire of a missing key")
  eq(s:exists("missing"), false, "expire does not create a key")
end)

ext_test("expire argument errors", function()
  local s = fresh()
  local t0 = busy()
  ok(s:set("k", "v", 10))
  for _, ttl in ipairs({ -1, 0 / 0, 1 / 0, "5", true }) do
    local err = fails(errors.INVALID, s:expire("k", ttl))
    contains(err:message(), "ttl", "message for ttl " .. show(ttl))
  end
  fails(errors.INVALID, s:expire("k"))
  fails(errors.INVALID, s:expire("", 1))
  ttl_near(ok(s:ttl("k")), 10, t0, "ttl unchanged")
end)

ext_test("longest ttl", function()
  -- 9223372036 s (about 292 years, the longest time.Duration) is the
  -- longest TTL, the same on every store; Redis's own limit is far beyond.
  -- Within a second: a store may saturate an expiry that far out.
  local function about(got, want, what)
    truthy(type(got) == "number" and math.abs(got - want) <= 1, what .. ": ttl reads " .. show(got) .. ", want " .. show(want))
  end
  local s = fresh()
  for _, ttl in ipairs({ 9e9, 9223372036 }) do
    local what = " with ttl " .. show(ttl)
    ok(s:set("set", "v", ttl))
    about(ok(s:ttl("set")), ttl, "set" .. what)
    ok(s:put("put", "v", { ttl = ttl }))
    about(ok(s:ttl("put")), ttl, "put" .. what)
    ok(s:incr("incr" .. ttl, 1, { ttl = ttl }))
    about(ok(s:ttl("incr" .. ttl)), ttl, "incr" .. what)
    ok(s:set("exp", "v"))
    eq(ok(s:expire("exp", ttl)), true, "expire" .. what)
    about(ok(s:ttl("exp")), ttl, "expire" .. what)
  end
  local err = fails(errors.INVALID, s:set("set", "v", 9223372037))
  contains(err:message(), "at most 9223372036 seconds")
  about(ok(s:ttl("set")), 9223372036, "a refused set changes nothing")
end)
