-- Extended methods on a backend that lacks them, and on released handles.

local calls = {
  entry = function(s) return s:entry("k") end,
  put = function(s) return s:put("k", 1) end,
  list = function(s) return s:list() end,
  incr = function(s) return s:incr("k") end,
  ttl = function(s) return s:ttl("k") end,
  expire = function(s) return s:expire("k", 1) end,
  info = function(s) return s:info() end,
}

test("extended methods exist on every handle", function()
  local s = fresh()
  for name in pairs(calls) do eq(type(s[name]), "function", "s." .. name) end
end)

test("a core-only backend refuses extended methods", function()
  if not CONFIG.core_only then return end
  local s = fresh()
  for name, call in pairs(calls) do
    local err = fails(errors.INVALID, call(s))
    contains(err:message(), "not supported by this store", "message of s:" .. name)
  end
  eq(s:exists("k"), false, "nothing written")
end)

test("extended methods on a released handle are INVALID", function()
  local s = fresh()
  ok(s:release())
  for name, call in pairs(calls) do
    local err = fails(errors.INVALID, call(s))
    contains(err:message(), "store released", "message of s:" .. name)
  end
end)
