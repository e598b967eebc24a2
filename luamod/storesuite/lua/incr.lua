-- s:incr(key, delta?, opts?) -> number.

ext_test("incr counts", function()
  local s = fresh()
  eq(ok(s:incr("n")), 1, "missing key starts from 0")
  eq(ok(s:incr("n")), 2, "default delta 1")
  eq(ok(s:incr("n", 10)), 12, "delta")
  eq(ok(s:incr("n", -20)), -8, "negative delta")
  eq(ok(s:incr("n", 0)), -8, "zero delta")
  eq(ok(s:get("n")), -8, "get reads the number")
  eq(ok(s:incr("f", 0.5)), 0.5, "fractional delta")
  eq(ok(s:incr("f", 0.25)), 0.75, "fractions add")
  eq(ok(s:incr("f", 0.25)), 1, "back to an integer")
  eq(ok(s:get("f")), 1, "get after fractions")
  eq(ok(s:incr("i", 5, { init = 100 })), 105, "init")
  eq(ok(s:incr("i", 5, { init = 100 })), 110, "init applies only to a missing key")
  eq(ok(s:incr("big", 2 ^ 53 - 1)), 2 ^ 53 - 1, "large integer")
  eq(ok(s:get("big")), 2 ^ 53 - 1, "large integer read back")
end)

ext_test("incr on values a script stored", function()
  local s = fresh()
  local cases = { { 41, 42 }, { -1, 0 }, { 1.5, 2.5 }, { 2 ^ 40, 2 ^ 40 + 1 }, { -(2 ^ 40), -(2 ^ 40) + 1 } }
  for i, c in ipairs(cases) do
    local k = "k" .. i
    ok(s:set(k, c[1]))
    eq(ok(s:incr(k)), c[2], "incr of " .. show(c[1]))
    eq(ok(s:get(k)), c[2], "get after incr of " .. show(c[1]))
  end
end)

ext_test("incr of a non-number is INVALID and changes nothing", function()
  local s = fresh()
  local values = { "5", "x", true, { 1 }, {} }
  for i, v in ipairs(values) do
    local k = "k" .. i
    ok(s:set(k, v))
    local version = ok(s:entry(k)).version
    fails(errors.INVALID, s:incr(k))
    eq(ok(s:get(k)), v, "value after incr of " .. show(v))
    eq(ok(s:entry(k)).version, version, "version after incr of " .. show(v))
  end
end)

ext_test("incr argument errors", function()
  local s = fresh()
  local cases = {
    { { "k", "1" }, "delta" },
    { { "k", true }, "delta" },
    { { "k", 0 / 0 }, "delta" },
    { { "k", 1 / 0 }, "delta" },
    { { "k", 1, { init = "0" } }, "init" },
    { { "k", 1, { init = -1 / 0 } }, "init" },
    { { "k", 1, { ttl = -1 } }, "ttl" },
    { { "k", 1, { ttl = "1" } }, "ttl" },
    { { "k", 1, { step = 1 } }, "step" },
    { { "k", 1, 5 }, "table" },
    { { "", 1 }, "key" },
    { { 3, 1 }, "key" },
  }
  for _, c in ipairs(cases) do
    local err = fails(errors.INVALID, s:incr(unpack(c[1])))
    contains(err:message(), c[2], "message for " .. show(c[1]))
  end
  eq(s:exists("k"), false, "nothing written")
end)

ext_test("incr result must be finite", function()
  local s = fresh()
  ok(s:set("huge", 1.7e308))
  fails(errors.INVALID, s:incr("huge", 1.7e308))
  eq(ok(s:get("huge")), 1.7e308, "value after an overflowing incr")
  ok(s:set("nan", 0 / 0))
  fails(errors.INVALID, s:incr("nan"))
end)

ext_test("incr ttl and expiry", function()
  local s = fresh()
  local t0 = busy()
  ok(s:incr("t", 1, { ttl = 0.1 }))
  ttl_near(ok(s:ttl("t")), 0.1, t0, "ttl of a new key")
  ok(s:incr("t", 1, { ttl = 60 }))      -- an existing key keeps its expiry
  ttl_near(ok(s:ttl("t")), 0.1, t0, "ttl after incr")
  ok(s:set("forever", 5))
  ok(s:incr("forever", 1, { ttl = 0.1 }))
  eq(ok(s:ttl("forever")), -1, "incr does not add an expiry to an existing key")
  sleep(0.15)
  fails(errors.NOT_FOUND, s:get("t"))
  eq(ok(s:incr("t", 1, { init = 10 })), 11, "an expired key starts again from init")
  eq(ok(s:ttl("t")), -1, "no ttl given: no expiry")
  eq(ok(s:get("forever")), 6, "key without expiry")
end)

ext_test("many increments add up exactly", function()
  local s = fresh()
  for _ = 1, 200 do ok(s:incr("n")) end
  for _ = 1, 100 do ok(s:incr("n", -0.5)) end
  eq(ok(s:get("n")), 150)
end)

-- int64 encodes n as a MessagePack int64 (0xd3), as another program may
-- write a counter.
local function int64(hi, lo)
  local b = { string.char(0xd3) }
  for shift = 24, 0, -8 do b[#b + 1] = string.char(math.floor(hi / 2 ^ shift) % 256) end
  for shift = 24, 0, -8 do b[#b + 1] = string.char(math.floor(lo / 2 ^ shift) % 256) end
  return table.concat(b)
end

ext_test("incr moves an integer counter by exactly delta or fails", function()
  local s = fresh()
  ok(s:set("k", 2 ^ 53 - 2))
  eq(ok(s:incr("k", 1)), 2 ^ 53 - 1, "below 2^53")
  eq(ok(s:incr("k", 1)), 2 ^ 53, "2^53 itself")
  local err = fails(errors.INVALID, s:incr("k", 1))
  contains(err:message(), "2^53", "message names the limit")
  eq(err:retryable(), false, "not retryable")
  eq(ok(s:get("k")), 2 ^ 53, "unchanged after a refused incr")
  fails(errors.INVALID, s:incr("k", 1))
  eq(ok(s:incr("k", -1)), 2 ^ 53 - 1, "back down")

  ok(s:set("n", -(2 ^ 53)))
  fails(errors.INVALID, s:incr("n", -1))
  eq(ok(s:get("n")), -(2 ^ 53), "negative limit unchanged")
  eq(ok(s:incr("m", 2 ^ 53)), 2 ^ 53, "missing key from init 0")
  fails(errors.INVALID, s:incr("m2", 1, { init = 2 ^ 53 }))
  eq(s:exists("m2"), false, "a refused first incr writes nothing")
end)

ext_test("incr of integers another program wrote", function()
  local s = fresh()
  local cases = {
    -- name, stored bytes, delta, expected result or nil for INVALID
    { "2^53+1", int64(0x200000, 1), 1, nil },
    { "2^53+1 minus", int64(0x200000, 1), -1, 2 ^ 53 },
    { "2^53-1 int64", int64(0x1fffff, 0xffffffff), 1, 2 ^ 53 },
    { "int64 max", int64(0x7fffffff, 0xffffffff), 1, nil },
    { "int64 max minus", int64(0x7fffffff, 0xffffffff), -1, nil },
    { "int64 min", int64(0x80000000, 0), -1, nil },
    { "int64 min plus", int64(0x80000000, 0), 1, nil },
    { "uint64 max", string.char(0xcf, 255, 255, 255, 255, 255, 255, 255, 255), 1, nil },
    { "2^53+1 fraction", int64(0x200000, 1), 0.5, nil },
  }
  for i, c in ipairs(cases) do
    local k = "k" .. i
    raw_set(k, c[2])
    if c[4] == nil then
      fails(errors.INVALID, s:incr(k, c[3]))
      eq(raw_get(k), c[2], "bytes unchanged after incr of " .. c[1])
    else
      eq(ok(s:incr(k, c[3])), c[4], "incr of " .. c[1])
    end
  end
end)

ext_test("float counters stay floats", function()
  local s = fresh()
  ok(s:set("f", 0.5))
  eq(ok(s:incr("f", 0.25)), 0.75, "float plus fraction")
  eq(ok(s:incr("f", 1)), 1.75, "float plus integer")
  ok(s:set("big", 2 ^ 60))
  fails(errors.INVALID, s:incr("big", 0.5))
  eq(ok(s:get("big")), 2 ^ 60, "unchanged")
  ok(s:set("e", 1e300))
  fails(errors.INVALID, s:incr("e", 1))
  eq(ok(s:get("e")), 1e300, "an integral float beyond 2^53 is not moved")
end)
