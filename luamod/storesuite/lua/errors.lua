-- The errors global and error values.

local kinds = {
  "INVALID", "NOT_FOUND", "ALREADY_EXISTS", "CONFLICT", "UNAVAILABLE",
  "TIMEOUT", "CANCELED", "PERMISSION_DENIED", "INTERNAL",
}

test("errors holds every kind", function()
  eq(type(errors), "table", "errors")
  for _, k in ipairs(kinds) do
    eq(errors[k], k, "errors." .. k)
  end
  eq(type(errors.is), "function", "errors.is")
end)

test("error values", function()
  local s = fresh()
  local v, err = s:get("nope")
  eq(v, nil, "value")
  eq(type(err), "userdata", "type(err)")
  eq(err:kind(), errors.NOT_FOUND, "kind")
  eq(err:retryable(), false, "retryable")
  eq(type(err:message()), "string", "message type")
  contains(err:message(), '"nope"', "message names the key")
  local text = tostring(err)
  eq(text, "NOT_FOUND: " .. err:message(), "tostring")
  truthy(not text:find("\n"), "tostring is one line")
end)

test("errors.is", function()
  local s = fresh()
  local _, err = s:get("nope")
  eq(errors.is(err, errors.NOT_FOUND), true, "matching kind")
  eq(errors.is(err, errors.INVALID), false, "other kind")
  eq(errors.is(nil, errors.NOT_FOUND), false, "nil error")
  eq(errors.is("NOT_FOUND", errors.NOT_FOUND), false, "a string is not an error")
  raises("kind", errors.is, err, errors.NO_SUCH_KIND)
  raises("kind", errors.is, err, "not_found")
end)

test("equal errors compare equal", function()
  local s = fresh()
  local _, a = s:get("nope")
  local _, b = s:get("nope")
  local _, c = s:get("other")
  eq(a == b, true, "same kind and message")
  eq(a == c, false, "different message")
end)

test("INVALID errors are not retryable", function()
  local s = fresh()
  local err = fails(errors.INVALID, s:set("", 1))
  eq(err:retryable(), false, "retryable")
end)

test("methods need a store as self", function()
  local s = fresh()
  raises("store expected", s.get, "key")
  raises("store expected", s.set, nil, "k", "v")
  raises("store expected", s.exists, {}, "k")
  raises("store expected", s.delete, 42, "k")
  raises("store expected", s.clear)
  raises("store expected", s.release, "x")
  local _, err = s:get("nope")
  raises("store expected", s.get, err, "k")
  raises("error", err.kind, s)
end)
