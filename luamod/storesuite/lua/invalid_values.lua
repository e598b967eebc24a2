-- Values that cannot be stored are INVALID, say where, and write nothing.

local function rejected(s, v, path)
  ok(s:set("k", "before"))
  local err = fails(errors.INVALID, s:set("k", v))
  if path then contains(err:message(), path, "message") end
  eq(ok(s:get("k")), "before", "value after a rejected set")
  fails(errors.INVALID, s:set("new-key", v))
  eq(s:exists("new-key"), false, "new key after a rejected set")
  return err
end

test("nil value", function()
  local s = fresh()
  rejected(s, nil)
end)

test("functions, userdata and threads, with their path", function()
  local s = fresh()
  local fn = function() end
  local co = coroutine.create(fn)
  local ud = ok(store.get(CONFIG.store_id))   -- a store handle is userdata
  local err = rejected(s, fn, "value")
  contains(err:message(), "function", "message")
  rejected(s, co, "value")
  rejected(s, ud, "value")
  err = rejected(s, { items = { 1, 2, fn } }, "value.items[3]")
  contains(err:message(), "function", "message")
  rejected(s, { ["a b"] = co }, 'value["a b"]')
  rejected(s, { [true] = ud }, "value[true]")
  rejected(s, { a = { b = { c = { fn } } } }, "value.a.b.c[1]")
  rejected(s, { [1.5] = fn }, "value[1.5]")
  rejected(s, { ["end"] = fn }, 'value["end"]')
end)

test("keys that cannot be stored", function()
  local s = fresh()
  local err = rejected(s, { [{}] = 1 }, "value")
  contains(err:message(), "key", "message")
  rejected(s, { [function() end] = 1 }, "value")
  rejected(s, { x = { [coroutine.create(function() end)] = 1 } }, "value.x")
end)

test("cycles", function()
  local s = fresh()
  local t = {}
  t.self = t
  local err = rejected(s, t, "value.self")
  contains(err:message(), "cycle", "message")
  local a, b = {}, {}
  a.b, b.a = b, a
  rejected(s, { root = a }, "value.root.b.a")
  local list = { 1, 2 }
  list[3] = list
  rejected(s, list, "value[3]")
end)

test("more than 100 levels", function()
  local s = fresh()
  local root = {}
  local t = root
  for i = 2, 101 do
    t.next = {}
    t = t.next
  end
  local err = rejected(s, root, "value.next.next")
  contains(err:message(), "100", "message")
end)
