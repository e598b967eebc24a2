-- Values round-trip exactly: scalars, binary strings, special numbers,
-- key types, nesting, and fresh copies.

test("scalars", function()
  local s = fresh()
  local cases = {
    true, false,
    0, 1, -1, 42, -42, 127, 128, -32, -33, 255, 256, 65535, 65536,
    2 ^ 31, -2 ^ 31, 2 ^ 32, 2 ^ 53, -2 ^ 53, 2 ^ 62, -2 ^ 63, 2 ^ 63, 2 ^ 64, 1e300, -1e-300,
    0.5, -0.25, 3.14159, 1 / 3, 5e-324,
    "", "a", "hello, world", string.rep("x", 31), string.rep("x", 32),
    string.rep("y", 255), string.rep("y", 256), string.rep("z", 1000),
  }
  for i, v in ipairs(cases) do
    eq(roundtrip(s, v), v, "case " .. i .. " " .. show(v))
  end
end)

test("nan, inf, -inf and -0", function()
  local s = fresh()
  local nan = roundtrip(s, 0 / 0)
  truthy(nan ~= nan, "nan comes back as nan, got " .. show(nan))
  eq(roundtrip(s, 1 / 0), 1 / 0, "inf")
  eq(roundtrip(s, -1 / 0), -1 / 0, "-inf")
  local negzero = 0 * -1
  local back = roundtrip(s, negzero)
  eq(back, 0, "-0")
  eq(1 / back, -1 / 0, "sign of -0")
  eq(roundtrip(s, { x = 0 / 0, y = 1 / 0, z = -1 / 0 }), { x = 0 / 0, y = 1 / 0, z = -1 / 0 }, "in a table")
end)

test("binary strings", function()
  local s = fresh()
  local bytes = {}
  for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
  local all = table.concat(bytes)
  eq(roundtrip(s, all), all, "all 256 byte values")
  eq(roundtrip(s, "\0"), "\0", "NUL")
  eq(roundtrip(s, "a\0b"), "a\0b", "embedded NUL")
  eq(roundtrip(s, "\255\254"), "\255\254", "invalid UTF-8")
  eq(roundtrip(s, "h\195\169llo"), "h\195\169llo", "valid UTF-8")
  eq(roundtrip(s, "\195"), "\195", "truncated UTF-8")
  eq(roundtrip(s, { [all] = all }), { [all] = all }, "binary key and value")
end)

test("large values", function()
  local s = fresh()
  local max = CONFIG.max_value_size
  if max == 0 then
    for _, n in ipairs({ 65535, 65536, 1024 * 1024 }) do
      local text = string.rep("z", n)
      eq(roundtrip(s, text), text, n .. " bytes of text")
    end
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local big = string.rep(table.concat(bytes), 1024)
    eq(roundtrip(s, big), big, "256 KiB of binary")
    return
  end
  local fits = string.rep("\255", max - 5)  -- 5 bytes: the largest bin header
  eq(roundtrip(s, fits), fits, "a value just under the limit")
  ok(s:set("k", "before"))
  local err = fails(errors.INVALID, s:set("k", string.rep("v", max)))
  contains(err:message(), tostring(max), "message names the limit")
  eq(ok(s:get("k")), "before", "value after a rejected set")
end)

test("key types are kept", function()
  local s = fresh()
  local t = roundtrip(s, { [1] = "number one", ["1"] = "string one", [true] = "yes", [false] = "no" })
  eq(t[1], "number one", "t[1]")
  eq(t["1"], "string one", 't["1"]')
  eq(t[true], "yes", "t[true]")
  eq(t[false], "no", "t[false]")
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  eq(n, 4, "key count")
  eq(roundtrip(s, { [1.5] = "a", [-1] = "b", [0] = "c", [2 ^ 53] = "d", [1e300] = "e" }),
    { [1.5] = "a", [-1] = "b", [0] = "c", [2 ^ 53] = "d", [1e300] = "e" }, "number keys")
end)

test("sequences stay sequences", function()
  local s = fresh()
  local seq = { "a", "b", "c", 4, true }
  local back = roundtrip(s, seq)
  eq(back, seq)
  eq(#back, 5, "length")
  for i, v in ipairs(back) do eq(v, seq[i], "ipairs " .. i) end
  local long = {}
  for i = 1, 1000 do long[i] = i * i end
  eq(roundtrip(s, long), long, "1000 elements")
end)

test("tables that are not sequences", function()
  local s = fresh()
  local cases = {
    { [2] = "b", [3] = "c" },
    { "a", nil, "c" },
    { [1] = "a", [3] = "c" },
    { "a", "b", x = 1 },
    { [0] = "zero", "one" },
    { name = "Ada", born = 1815, langs = { "analytical engine" } },
  }
  for i, v in ipairs(cases) do
    eq(roundtrip(s, v), v, "case " .. i)
  end
end)

test("empty table", function()
  local s = fresh()
  local t = roundtrip(s, {})
  eq(type(t), "table", "type")
  eq(next(t), nil, "next")
  eq(roundtrip(s, { a = {}, {} }), { a = {}, {} }, "nested empty tables")
end)

test("nested tables", function()
  local s = fresh()
  local v = {
    user = { id = 7, name = "Ada", tags = { "x", "y" }, prefs = { dark = true, size = 1.5 } },
    matrix = { { 1, 2 }, { 3, 4 } },
    [10] = { [true] = { [false] = "deep" } },
  }
  eq(roundtrip(s, v), v)
end)

test("100 levels of nesting", function()
  local s = fresh()
  local root = {}
  local t = root
  for i = 2, 100 do
    t.next = { level = i }
    t = t.next
  end
  local back = roundtrip(s, root)
  eq(back, root)
end)

test("shared sub-tables are copied", function()
  local s = fresh()
  local shared = { 1, 2 }
  local back = roundtrip(s, { a = shared, b = shared })
  eq(back, { a = { 1, 2 }, b = { 1, 2 } })
end)

test("get returns a fresh copy", function()
  local s = fresh()
  local orig = { list = { 1, 2, 3 }, name = "x" }
  ok(s:set("k", orig))
  orig.name = "changed after set"
  local a = ok(s:get("k"))
  eq(a.name, "x", "mutating the original after set")
  a.name = "mutated"
  a.list[1] = 100
  table.insert(a.list, 4)
  local b = ok(s:get("k"))
  eq(b, { list = { 1, 2, 3 }, name = "x" }, "after mutating a returned table")
  truthy(rawequal(a, b) == false, "two gets return distinct tables")
end)

test("metatables are not stored", function()
  local s = fresh()
  local t = setmetatable({ a = 1 }, { __index = function() return "meta" end })
  local back = roundtrip(s, t)
  eq(getmetatable(back), nil, "metatable")
  eq(back.a, 1, "a")
  eq(back.b, nil, "b")
end)
