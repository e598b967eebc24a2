package redisstore

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// script is a Lua script run with EVALSHA, as redis.Script runs it. Its
// SHA-1 is computed on first use, not at program start: a process that
// never uses a Redis store does not hash every script.
type script struct {
	src  string
	once sync.Once
	rs   *redis.Script
}

func (s *script) redis() *redis.Script {
	s.once.Do(func() { s.rs = redis.NewScript(s.src) })
	return s.rs
}

// Hash returns the script's SHA-1 in hex, the EVALSHA argument.
func (s *script) Hash() string { return s.redis().Hash() }

// Run runs the script as redis.Script.Run does: EVALSHA, then EVAL when
// the server answers NOSCRIPT.
func (s *script) Run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	return s.redis().Run(ctx, c, keys, args...)
}

// The scripts every write runs inside Redis, so each is atomic with many
// hosts. KEYS are always the item hash, the index, the expiry index and the
// version counter, in that order (all in one hash slot); ARGV[1] is the
// store key. Results are tables whose first element is a status: "OK", or
// the name of the error ("EXISTS", "CONFLICT", "INVALID").
//
// now() is the server's clock in Unix milliseconds: expiry and the expiry
// index use the same clock Redis expires keys by.
const scriptPrelude = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- setexpiry gives a written key its expiry: ttl milliseconds from now, or
-- none for 0.
local function setexpiry(k, ei, key, ttl)
  if ttl > 0 then
    local at = now() + ttl
    -- As digits: a Lua number reaches the command as text, which some
    -- servers write in exponent form (1.8e+12), which PEXPIREAT refuses.
    redis.call('PEXPIREAT', k, string.format('%.0f', at))
    redis.call('ZADD', ei, at, key)
    return at
  end
  redis.call('PERSIST', k)
  redis.call('ZREM', ei, key)
  return 0
end
`

// setScript writes a value. ARGV: key, value, ttl ms, condition ("",
// "nx": only if absent, "ver": only if the version is ARGV[5]).
// Returns {"OK", version, expires-at ms or 0}.
var setScript = &script{src: scriptPrelude + setBody}

const setBody = `
local k, idx, ei, ctr = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, ttl, cond = ARGV[1], tonumber(ARGV[3]), ARGV[4]
if cond == 'nx' then
  if redis.call('EXISTS', k) == 1 then return {'EXISTS'} end
elseif cond == 'ver' then
  if redis.call('HGET', k, 'ver') ~= ARGV[5] then return {'CONFLICT'} end
end
local ver = redis.call('INCR', ctr)
redis.call('HSET', k, 'v', ARGV[2], 'ver', ver)
redis.call('ZADD', idx, 0, key)
return {'OK', ver, setexpiry(k, ei, key, ttl)}
`

// deleteScript removes a key. Returns 1 when a live key was removed.
var deleteScript = &script{src: deleteBody}

const deleteBody = `
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n
`

// expireScript sets or removes a live key's expiry (ARGV[2] ms, 0: none)
// and gives it a new version. Returns 1 when the key was live.
var expireScript = &script{src: scriptPrelude + `
local k, ei = KEYS[1], KEYS[3]
if redis.call('EXISTS', k) == 0 then return 0 end
redis.call('HSET', k, 'ver', redis.call('INCR', KEYS[4]))
setexpiry(k, ei, ARGV[1], tonumber(ARGV[2]))
return 1
`}

// entryScript reads a key's value, version and expiry in one step.
// Returns {} for a missing key, else {value, version, expires-at ms or -1}.
var entryScript = &script{src: `
local r = redis.call('HMGET', KEYS[1], 'v', 'ver')
if not r[1] then return {} end
return {r[1], r[2], redis.call('PEXPIRETIME', KEYS[1])}
`}

// sizeScript counts live keys: indexed keys minus those whose expiry has
// passed (which cleanup has not yet removed from the index).
var sizeScript = &script{src: scriptPrelude + `
return redis.call('ZCARD', KEYS[1]) - redis.call('ZCOUNT', KEYS[2], '-inf', now())
`}

// sweepScript removes up to ARGV[1] expired keys from both indexes (Redis
// has already dropped or will drop their hashes). Returns how many.
var sweepScript = &script{src: scriptPrelude + `
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now(), 'LIMIT', 0, tonumber(ARGV[1]))
if #dead > 0 then
  redis.call('ZREM', KEYS[1], unpack(dead))
  redis.call('ZREM', KEYS[2], unpack(dead))
end
return #dead
`}

// clearScript deletes the keys named in ARGV and their index entries;
// KEYS are the index, the expiry index, then one item hash per ARGV.
var clearScript = &script{src: `
for i = 1, #ARGV do
  redis.call('DEL', KEYS[i + 2])
end
redis.call('ZREM', KEYS[1], unpack(ARGV))
redis.call('ZREM', KEYS[2], unpack(ARGV))
return #ARGV
`}

// incrScript adds a number to a MessagePack number, as backends.Incr
// documents. ARGV: key, ttl ms (for a new key), then delta and init, each
// as three values: "i" and the int64's high (signed) and low (unsigned)
// 32-bit halves, or "f" and the number and "".
//
// Integers add exactly as int64 (two 32-bit halves, since Redis's Lua has
// only doubles); an int64 overflow or a result beyond 2^53 in magnitude is
// INVALID. When the stored value or delta is a float, the sum is a float
// and must be finite. The result is encoded as backends.EncodeNumber does.
// Returns {"OK", encoded result, version} or {"INVALID", message}.
var incrScript = &script{src: scriptPrelude + incrBody}

const incrBody = `
local k, idx, ei, ctr = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, ttl = ARGV[1], tonumber(ARGV[2])
local B32 = 4294967296
local function arg(i)
  if ARGV[i] == 'i' then return true, tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]) end
  return false, tonumber(ARGV[i + 1]), 0
end
local function typename(c)
  if (c >= 0x80 and c <= 0x8f) or c == 0xde or c == 0xdf then return 'map' end
  if (c >= 0x90 and c <= 0x9f) or c == 0xdc or c == 0xdd then return 'array' end
  if (c >= 0xa0 and c <= 0xbf) or (c >= 0xd9 and c <= 0xdb) then return 'string' end
  if c >= 0xc4 and c <= 0xc6 then return 'binary string' end
  if c == 0xc0 then return 'nil' end
  if c == 0xc2 or c == 0xc3 then return 'boolean' end
  return 'extension value'
end
-- decode returns isint, hi, lo for integers, or false, number for floats;
-- nil and a message for anything else.
local function decode(s)
  local c = string.byte(s, 1)
  if not c then return nil, 'the stored value is empty, not a number' end
  local need
  if c <= 0x7f or c >= 0xe0 then need = 1
  elseif c == 0xcc or c == 0xd0 then need = 2
  elseif c == 0xcd or c == 0xd1 then need = 3
  elseif c == 0xce or c == 0xd2 or c == 0xca then need = 5
  elseif c == 0xcf or c == 0xd3 or c == 0xcb then need = 9
  else return nil, 'the stored value is a ' .. typename(c) .. ', not a number' end
  if #s ~= need then
    return nil, 'the stored value is not a single MessagePack number (' .. #s .. ' bytes, want ' .. need .. ')'
  end
  if c <= 0x7f then return true, 0, c end
  if c >= 0xe0 then return true, -1, c - 256 + B32 end
  if c == 0xcc then return true, 0, struct.unpack('>I1', s, 2) end
  if c == 0xcd then return true, 0, struct.unpack('>I2', s, 2) end
  if c == 0xce then return true, 0, struct.unpack('>I4', s, 2) end
  if c == 0xcf then
    local hi, lo = struct.unpack('>I4I4', s, 2)
    if hi >= 2147483648 then return nil, 'the stored integer is beyond the int64 range' end
    return true, hi, lo
  end
  if c == 0xd3 then
    local hi, lo = struct.unpack('>i4I4', s, 2)
    return true, hi, lo
  end
  if c == 0xca then return false, (struct.unpack('>f', s, 2)) end
  if c == 0xcb then return false, (struct.unpack('>d', s, 2)) end
  local n = struct.unpack('>i' .. (need - 1), s, 2) -- int8, int16, int32
  local hi = math.floor(n / B32)
  return true, hi, n - hi * B32
end
local function encint(hi, lo)
  local n = hi * B32 + lo
  if n >= 0 then
    if n <= 0x7f then return string.char(n) end
    if n <= 0xff then return '\204' .. string.char(n) end
    if n <= 0xffff then return '\205' .. struct.pack('>I2', n) end
    if n < B32 then return '\206' .. struct.pack('>I4', n) end
    return '\207' .. struct.pack('>I4I4', hi, lo)
  end
  if n >= -32 then return string.char(n + 256) end
  if n >= -128 then return '\208' .. string.char(n + 256) end
  if n >= -32768 then return '\209' .. struct.pack('>i2', n) end
  if n >= -2147483648 then return '\210' .. struct.pack('>i4', n) end
  return '\211' .. struct.pack('>i4I4', hi, lo)
end
local function encfloat(f)
  -- integral floats in the int64 range (not -0) are stored as integers
  if f == math.floor(f) and f >= -9223372036854775808 and f < 9223372036854775808 and not (f == 0 and 1 / f < 0) then
    local hi = math.floor(f / B32)
    return encint(hi, f - hi * B32)
  end
  return '\203' .. struct.pack('>d', f)
end
local isint, hi, lo
local cur = redis.call('HGET', k, 'v')
local isnew = not cur
if cur then
  isint, hi, lo = decode(cur)
  if isint == nil then return {'INVALID', hi} end
else
  isint, hi, lo = arg(6)
end
local dint, dhi, dlo = arg(3)
local out
if isint and dint then
  lo = lo + dlo
  local carry = math.floor(lo / B32)
  lo = lo - carry * B32
  hi = hi + dhi + carry
  if hi < -2147483648 or hi > 2147483647 then return {'INVALID', 'the result overflows int64'} end
  if hi > 2097152 or (hi == 2097152 and lo > 0) or hi < -2097152 then
    return {'INVALID', 'the result is beyond 2^53 in magnitude, where numbers lose precision'}
  end
  out = encint(hi, lo)
else
  local a = hi
  if isint then
    -- as a double, a stored integer beyond 2^53 is no longer exact
    if hi > 2097152 or (hi == 2097152 and lo > 0) or hi < -2097152 then
      return {'INVALID', 'the stored integer is beyond 2^53 in magnitude, so adding to it as a number would not be exact'}
    end
    a = hi * B32 + lo
  end
  local d = dhi
  if dint then d = dhi * B32 + dlo end
  local f = a + d
  if f ~= f or f == math.huge or f == -math.huge then return {'INVALID', 'the result is not a finite number'} end
  if f == math.floor(f) and (f > 9007199254740992 or f < -9007199254740992) then
    return {'INVALID', 'the result is an integer beyond 2^53 in magnitude, where numbers lose precision'}
  end
  out = encfloat(f)
end
local ver = redis.call('INCR', ctr)
redis.call('HSET', k, 'v', out, 'ver', ver)
if isnew then
  redis.call('ZADD', idx, 0, key)
  setexpiry(k, ei, key, ttl)
end
return {'OK', out, ver}
`
