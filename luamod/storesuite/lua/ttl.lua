-- TTLs: seconds, fractional allowed, nil or 0 for none; expired keys are
-- invisible at once. sleep(seconds) moves the clock (or really sleeps).

test("expiry", function()
  local s = fresh()
  ok(s:set("fraction", "b", 0.75))
  ok(s:set("none", "c"))
  ok(s:set("zero", "d", 0))
  ok(s:set("nil", "e", nil))
  ok(s:set("cleared", "f", 0.1))
  ok(s:set("cleared", "f2"))             -- set without ttl removes the expiry
  ok(s:set("added", "g"))
  ok(s:set("added", "g2", 0.1))          -- set with ttl adds one
  ok(s:set("deleted", "h", 0.1))
  ok(s:set("counted", "i", 0.1))
  ok(s:set("replaced", "j", 0.1))
  -- Set last, so that on real time the check below runs well within
  -- 0.1 s even when the writes above are slow.
  ok(s:set("short", "a", 0.1))
  eq(ok(s:get("short")), "a", "before expiry")
  eq(s:exists("short"), true, "exists before expiry")

  sleep(0.25)

  fails(errors.NOT_FOUND, s:get("short"))
  eq(s:exists("short"), false, "exists after expiry")
  eq(s:has("short"), false, "has after expiry")
  eq(s:delete("deleted"), false, "delete of an expired key")
  fails(errors.NOT_FOUND, s:get("added"))
  eq(ok(s:get("fraction")), "b", "0.75s ttl after 0.25s")
  eq(ok(s:get("none")), "c", "no ttl")
  eq(ok(s:get("zero")), "d", "ttl 0")
  eq(ok(s:get("nil")), "e", "ttl nil")
  eq(ok(s:get("cleared")), "f2", "expiry removed by set")
  ok(s:set("replaced", "j2"))            -- an expired key can be set again
  eq(ok(s:get("replaced")), "j2", "set after expiry")

  sleep(0.55)

  fails(errors.NOT_FOUND, s:get("fraction"))
  eq(s:exists("fraction"), false, "fractional ttl after expiry")
  eq(ok(s:get("none")), "c", "no ttl, later")
  eq(ok(s:get("cleared")), "f2", "expiry removed by set, later")
  eq(ok(s:get("replaced")), "j2", "set after expiry, later")
end)

test("bad ttls are INVALID and write nothing", function()
  local s = fresh()
  ok(s:set("k", "old"))
  local cases = {
    { -1, "negative" },
    { -0.001, "negative" },
    { 0 / 0, "nan" },
    { 1 / 0, "inf" },
    { -1 / 0, "-inf" },
    { "5", "string" },
    { true, "boolean" },
    { {}, "table" },
  }
  for _, c in ipairs(cases) do
    local err = fails(errors.INVALID, s:set("k", "new", c[1]))
    contains(err:message(), "ttl", "message for ttl " .. c[2])
    eq(ok(s:get("k")), "old", "value after ttl " .. c[2])
    fails(errors.INVALID, s:set("other", "new", c[1]))
    eq(s:exists("other"), false, "key after ttl " .. c[2])
  end
end)

test("long ttls are accepted", function()
  local s = fresh()
  ok(s:set("day", 1, 86400))
  ok(s:set("year", 2, 365 * 86400))
  ok(s:set("tiny", 3, 3600.0005))
  eq(ok(s:get("day")), 1)
  eq(ok(s:get("year")), 2)
  eq(ok(s:get("tiny")), 3)
end)
