-- Helpers for the store suite, loaded before each test file.
--
-- test(name, fn) declares a test. Checks raise "check failed: ..." at the
-- line of the test that called them, so failures read file:line.

TESTS = {}

function test(name, fn)
  TESTS[#TESTS + 1] = { name = name, fn = fn }
end

-- fail raises msg at the caller of the check that failed. level counts
-- from the check function itself (1). gopher-lua counts error levels one
-- higher than PUC Lua (its level 2 is the function calling error), hence +3.
local function fail(level, msg)
  error("check failed: " .. msg, level + 3)
end

local function is_nan(x)
  return type(x) == "number" and x ~= x
end

-- show renders v for a failure message.
function show(v, depth)
  depth = depth or 0
  local t = type(v)
  if t == "string" then
    if #v > 80 then
      return string.format("%q", v:sub(1, 80)) .. "...(" .. #v .. " bytes)"
    end
    return string.format("%q", v)
  elseif t == "number" then
    if is_nan(v) then return "nan" end
    if v == 0 and 1 / v < 0 then return "-0" end
    return tostring(v)
  elseif t == "table" then
    if depth > 3 then return "{...}" end
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = "[" .. show(k, depth + 1) .. "]=" .. show(x, depth + 1)
      if #parts > 10 then
        parts[#parts + 1] = "..."
        break
      end
    end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

-- same reports whether a and b are equal deep and by value: numbers by
-- value with nan equal to nan and -0 distinct from 0, tables by their raw
-- contents.
function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    if is_nan(a) or is_nan(b) then return is_nan(a) and is_nan(b) end
    if a == 0 and b == 0 then return 1 / a == 1 / b end
    return a == b
  end
  if type(a) ~= "table" then return a == b end
  local n = 0
  for k, v in pairs(a) do
    n = n + 1
    if not same(v, rawget(b, k)) then return false end
  end
  for _ in pairs(b) do n = n - 1 end
  return n == 0
end

-- eq checks that got is the same as want.
function eq(got, want, what)
  if not same(got, want) then
    fail(1, (what and what .. ": " or "") .. "got " .. show(got) .. ", want " .. show(want))
  end
end

-- truthy checks that v is neither nil nor false.
function truthy(v, what)
  if not v then fail(1, (what or "value") .. " is " .. show(v)) end
end

-- ok checks that a call succeeded (no error value), and returns its result.
-- Use as ok(s:get("k")).
function ok(v, err, ...)
  if err ~= nil then
    fail(1, "unexpected error: " .. tostring(err))
  end
  if v == nil then
    fail(1, "call returned nil without an error")
  end
  return v, err, ...
end

-- fails checks that a call returned nil and an error of kind, and returns
-- the error. Use as fails(errors.NOT_FOUND, s:get("k")).
function fails(kind, v, err, ...)
  if v ~= nil then
    fail(1, "want nil, " .. tostring(kind) .. "; got " .. show(v) .. (err and ", " .. tostring(err) or ""))
  end
  if err == nil then
    fail(1, "want an error of kind " .. tostring(kind) .. ", got none")
  end
  if select("#", ...) > 0 then
    fail(1, "failed call returned more than nil, err")
  end
  if type(err) ~= "userdata" or not errors.is(err, kind) then
    fail(1, "want an error of kind " .. tostring(kind) .. ", got " .. tostring(err))
  end
  return err
end

-- contains checks that s holds sub (plain text).
function contains(s, sub, what)
  if type(s) ~= "string" or not s:find(sub, 1, true) then
    fail(1, (what or "text") .. " " .. show(s) .. " does not contain " .. show(sub))
  end
end

-- raises checks that fn(...) raises an error whose message holds sub.
function raises(sub, fn, ...)
  local good, msg = pcall(fn, ...)
  if good then
    fail(1, "want an error containing " .. show(sub) .. ", got none")
  end
  if not tostring(msg):find(sub, 1, true) then
    fail(1, "want an error containing " .. show(sub) .. ", got " .. show(tostring(msg)))
  end
end

-- fresh returns a handle on the store under test, emptied.
function fresh(id)
  local s = ok(store.get(id or CONFIG.store_id))
  ok(s:clear())
  return s
end

-- roundtrip stores v under key and returns what get gives back.
function roundtrip(s, v, key)
  key = key or "roundtrip"
  ok(s:set(key, v))
  return ok(s:get(key))
end

-- ext_test declares a test of the extended methods, which passes without
-- running on a backend that has only the core methods (unsupported.lua
-- checks those).
function ext_test(name, fn)
  test(name, function()
    if CONFIG.core_only then return end
    fn()
  end)
end

-- ttl_near checks a TTL read back: want is what is left if no time passed
-- but the sleeps since busy() read t0, before the key's TTL was set. On a
-- real clock the calls' own time may lower it too, never raise it.
function ttl_near(got, want, t0, what)
  local d = CONFIG.fake_clock and 0 or 0.2
  local lo = want - d - (CONFIG.fake_clock and 0 or busy() - t0)
  if type(got) ~= "number" or got < lo - 1e-9 or got > want + d + 1e-9 then
    fail(1, (what and what .. ": " or "") .. "got " .. show(got) .. ", want " .. show(want) ..
      (d > 0 and string.format(" (between %.3f and %.3f)", lo, want + d) or ""))
  end
end

-- keys returns the keys of a list page's items, in order.
function keys_of(page)
  local out = {}
  for i, item in ipairs(page.items) do out[i] = item.key end
  return out
end
