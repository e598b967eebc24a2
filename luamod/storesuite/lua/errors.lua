-- The errors global and error values.

-- Constant names and their values, as Wippy defines them.
local kinds = {
  INVALID = "Invalid", NOT_FOUND = "NotFound", ALREADY_EXISTS = "AlreadyExists",
  CONFLICT = "Conflict", UNAVAILABLE = "Unavailable", TIMEOUT = "Timeout",
  CANCELED = "Canceled", PERMISSION_DENIED = "PermissionDenied",
  INTERNAL = "Internal", RATE_LIMITED = "RateLimited", UNKNOWN = "",
}

test("errors holds every kind", function()
  eq(type(errors), "table", "errors")
  for name, value in pairs(kinds) do
    eq(errors[name], value, "errors." .. name)
  end
  for _, f in ipairs({"is", "new", "wrap", "call_stack"}) do
    eq(type(errors[f]), "function", "errors." .. f)
  end
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
  eq(errors.is(err, "not_found"), false, "a kind no error has")
  eq(errors.is(err, "NOT_FOUND"), true, "a constant's name")
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
