-- The exact text of store errors. Every backend words the same failure the
-- same way: tostring(err) is `KIND: store "ID": what went wrong`, naming
-- the store by the ID the script acquired it with, and never ending with
-- Go's text for the kind (": invalid argument", ": not found", ...).

-- failed returns tostring(err) of a call that returned nil, err.
local function failed(v, err, ...)
  if v ~= nil or err == nil or select("#", ...) > 0 then
    error("check failed: want nil, err; got " .. show(v) .. ", " .. tostring(err), 2)
  end
  return tostring(err)
end

-- check runs each case {name, function returning nil, err, want} on s.
local function check(cases)
  for _, c in ipairs(cases) do
    eq(failed(c[2]()), c[3], c[1])
  end
end

local function prefix(id)
  return 'store "' .. id .. '": '
end

test("core method errors", function()
  local s = fresh()
  local q = prefix(CONFIG.store_id)
  local cases = {
    { "missing key", function() return s:get("nope") end, 'NOT_FOUND: ' .. q .. 'key "nope" not found' },
    { "empty key", function() return s:get("") end, 'INVALID: ' .. q .. 'key must not be empty' },
    { "number key", function() return s:set(1, 1) end, 'INVALID: ' .. q .. 'key must be a string, got number' },
    { "negative ttl", function() return s:set("k", 1, -1) end, 'INVALID: ' .. q .. 'ttl must not be negative, got -1' },
    { "nil value", function() return s:set("k", nil) end,
      'INVALID: ' .. q .. 'value: nil cannot be stored (delete the key instead)' },
    { "function in a value", function() return s:set("k", { f = print }) end,
      'INVALID: ' .. q .. 'value.f: a function cannot be stored (values are booleans, numbers, strings and tables of them)' },
  }
  if CONFIG.max_key_len > 0 then
    local n = CONFIG.max_key_len + 1
    cases[#cases + 1] = { "key over the limit", function() return s:set(string.rep("k", n), 1) end,
      'INVALID: ' .. q .. 'key is ' .. n .. " bytes, over this store's limit of " .. CONFIG.max_key_len .. ' bytes' }
  end
  check(cases)
end)

test("extended method errors", function()
  if CONFIG.core_only then return end
  local s = fresh()
  local q = prefix(CONFIG.store_id)
  ok(s:set("text", "a string"))
  local cases = {
    { "ttl of a missing key", function() return s:ttl("nope") end, 'NOT_FOUND: ' .. q .. 'key "nope" not found' },
    { "entry of a missing key", function() return s:entry("nope") end, 'NOT_FOUND: ' .. q .. 'key "nope" not found' },
    { "incr of a string", function() return s:incr("text") end,
      'INVALID: ' .. q .. 'incr "text": the stored value is a string, not a number' },
    { "put only_if_absent on a live key", function() return s:put("text", 1, { only_if_absent = true }) end,
      'ALREADY_EXISTS: ' .. q .. 'put "text" with only_if_absent: the key exists' },
    { "put with both options", function() return s:put("k", 1, { only_if_absent = true, if_version = "1" }) end,
      'INVALID: ' .. q .. 'put: only_if_absent and if_version exclude each other' },
    { "list limit", function() return s:list({ limit = 5000 }) end,
      'INVALID: ' .. q .. 'list: limit must be an integer from 1 to 1000, got 5000' },
    { "incr by nan", function() return s:incr("n", 0 / 0) end,
      'INVALID: ' .. q .. 'incr: delta must be a finite number, got NaN' },
    { "unknown option", function() return s:incr("n", 1, { bogus = 1 }) end,
      'INVALID: ' .. q .. 'incr: unknown option "bogus" (options are init, ttl)' },
  }
  if CONFIG.versioned then
    cases[#cases + 1] = { "put if_version on a changed key", function() return s:put("text", 1, { if_version = "0" }) end,
      'CONFLICT: ' .. q .. 'put "text": the key\'s version is not "0", or the key is gone' }
    cases[#cases + 1] = { "put if_version on a missing key", function() return s:put("gone", 1, { if_version = "0" }) end,
      'CONFLICT: ' .. q .. 'put "gone": the key\'s version is not "0", or the key is gone' }
  elseif CONFIG.kind == "store.sql" then
    cases[#cases + 1] = { "put if_version without versions", function() return s:put("text", 1, { if_version = "0" }) end,
      'INVALID: ' .. q .. 'put with if_version needs versions, which this store.sql entry does not keep: ' ..
      'set version_column_name (a BIGINT column the store increments on every write)' }
  end
  check(cases)
end)

test("full store error", function()
  if CONFIG.full_store_id == "" then return end
  local s = fresh(CONFIG.full_store_id)
  for i = 1, CONFIG.max_size do ok(s:set("k" .. i, i)) end
  local want = 'UNAVAILABLE: ' .. prefix(CONFIG.full_store_id) .. 'the store is full (max_size ' .. CONFIG.max_size .. ')'
  eq(failed(s:set("new", 1)), want, "set")
  if not CONFIG.core_only then
    eq(failed(s:incr("new")), want, "incr")
    eq(failed(s:put("new", 1)), want, "put")
  end
  ok(s:clear())
end)

test("released handle error", function()
  local s = ok(store.get(CONFIG.store_id))
  s:release()
  eq(failed(s:get("k")), 'INVALID: ' .. prefix(CONFIG.store_id) .. 'store released', "get")
end)
