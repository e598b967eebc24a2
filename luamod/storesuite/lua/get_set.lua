-- s:get and s:set: the basic contract.

test("set returns true and get returns the value", function()
  local s = fresh()
  local r = { s:set("greeting", "hello") }
  eq(#r, 1, "set result count")
  eq(r[1], true, "set result")
  eq(ok(s:get("greeting")), "hello")
end)

test("set overwrites", function()
  local s = fresh()
  ok(s:set("k", "one"))
  ok(s:set("k", 2))
  eq(ok(s:get("k")), 2)
  ok(s:set("k", { three = 3 }))
  eq(ok(s:get("k")), { three = 3 })
end)

test("get of a missing key is NOT_FOUND", function()
  local s = fresh()
  local err = fails(errors.NOT_FOUND, s:get("missing"))
  eq(err:retryable(), false, "retryable")
  contains(err:message(), "missing", "message")
  contains(tostring(err), "NOT_FOUND", "tostring")
end)

test("stored false is a value, not a miss", function()
  local s = fresh()
  ok(s:set("f", false))
  local v, err = s:get("f")
  eq(v, false, "value")
  eq(err, nil, "error")
end)

test("two handles on one store see the same keys", function()
  local a = fresh()
  local b = ok(store.get(CONFIG.store_id))
  ok(a:set("shared", "x"))
  eq(ok(b:get("shared")), "x")
  ok(b:delete("shared"))
  fails(errors.NOT_FOUND, a:get("shared"))
end)

test("many keys", function()
  local s = fresh()
  for i = 1, 200 do
    ok(s:set("k" .. i, i * 10))
  end
  for i = 1, 200 do
    eq(ok(s:get("k" .. i)), i * 10, "k" .. i)
  end
end)

test("require returns the store module", function()
  eq(require("store"), store, "require('store')")
  eq(type(store.get), "function", "store.get")
end)
