-- Keys: non-empty strings, binary-safe, never truncated.

test("binary-safe keys", function()
  local s = fresh()
  local keys = { "\0", "a\0", "a\0b", "a", "A", "a ", " a", "\255\254", "h\195\169llo", "key\n", "%s", "*", "_" }
  for i, k in ipairs(keys) do ok(s:set(k, i)) end
  for i, k in ipairs(keys) do eq(ok(s:get(k)), i, "key " .. show(k)) end
  local bytes = {}
  for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
  local low, high = table.concat(bytes, "", 1, 128), table.concat(bytes, "", 129, 256)
  ok(s:set(low, "low"))
  ok(s:set(high, "high"))
  eq(ok(s:get(low)), "low", "key of bytes 0-127")
  eq(ok(s:get(high)), "high", "key of bytes 128-255")
  eq(s:exists(low:sub(1, 127)), false, "a prefix is another key")
  eq(s:delete(low), true, "delete")
  eq(ok(s:get(high)), "high", "other key after delete")
end)

test("empty and non-string keys are INVALID", function()
  local s = fresh()
  local bad = { "", 1, 1.5, true, {}, function() end }
  for _, k in ipairs(bad) do
    fails(errors.INVALID, s:get(k))
    fails(errors.INVALID, s:set(k, "v"))
    fails(errors.INVALID, s:delete(k))
    fails(errors.INVALID, s:exists(k))
    fails(errors.INVALID, s:has(k))
  end
  local err = fails(errors.INVALID, s:get())
  contains(err:message(), "key", "message for a missing key argument")
  err = fails(errors.INVALID, s:get(""))
  contains(err:message(), "empty", "message for an empty key")
  err = fails(errors.INVALID, s:set(1, "v"))
  contains(err:message(), "string", "message for a number key")
  eq(s:exists("1"), false, "a number key is not coerced")
end)

test("long keys", function()
  local s = fresh()
  local max = CONFIG.max_key_len
  if max == 0 then
    local k = string.rep("k", 65536)
    ok(s:set(k, 1))
    eq(ok(s:get(k)), 1, "64 KiB key")
    eq(s:exists(k:sub(1, 65535)), false, "a prefix is another key")
    return
  end
  local k = string.rep("k", max)
  ok(s:set(k, 1))
  eq(ok(s:get(k)), 1, "key at the limit")
  local long = k .. "x"
  local err = fails(errors.INVALID, s:set(long, 2))
  contains(err:message(), tostring(max), "message names the limit")
  fails(errors.INVALID, s:get(long))
  eq(ok(s:get(k)), 1, "the key at the limit is untouched (no truncation)")
end)
