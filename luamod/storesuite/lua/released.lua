-- s:release, and handles that outlive it.

test("release is idempotent and later calls are INVALID", function()
  local s = fresh()
  ok(s:set("k", "v"))
  eq(s:release(), true, "release")
  eq(s:release(), true, "second release")
  local calls = {
    function() return s:get("k") end,
    function() return s:set("k", "w") end,
    function() return s:delete("k") end,
    function() return s:exists("k") end,
    function() return s:has("k") end,
    function() return s:clear() end,
  }
  for i, call in ipairs(calls) do
    local err = fails(errors.INVALID, call())
    contains(err:message(), "store released", "message of call " .. i)
  end
  contains(tostring(s), "released", "tostring")
end)

test("releasing one handle leaves others working", function()
  local a = fresh()
  local b = ok(store.get(CONFIG.store_id))
  ok(a:set("k", "v"))
  ok(a:release())
  eq(ok(b:get("k")), "v", "other handle")
  local c = ok(store.get(CONFIG.store_id))
  eq(ok(c:get("k")), "v", "new handle")
  eq(c:delete("k"), true, "nothing written through the released handle")
end)

test("release does not touch the data", function()
  local s = fresh()
  ok(s:set("kept", 1))
  ok(s:release())
  local again = ok(store.get(CONFIG.store_id))
  eq(ok(again:get("kept")), 1)
end)
