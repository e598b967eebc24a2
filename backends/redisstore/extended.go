package redisstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/luahost/luahost/backends"
)

// Entry returns the live item under key, or an error wrapping
// backends.ErrNotFound.
func (s *Store) Entry(ctx context.Context, key string) (backends.Item, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return backends.Item{}, err
	}
	r, err := entryScript.Run(ctx, c, []string{s.itemPrefix + key}).Slice()
	if err != nil {
		return backends.Item{}, s.fail(ctx, "entry", err, false)
	}
	if len(r) < 3 {
		return backends.Item{}, errNotFound
	}
	val, _ := r[0].(string)
	it := backends.Item{Key: key, Value: []byte(val), Version: version(r[1])}
	if at, _ := r[2].(int64); at > 0 {
		it.ExpiresAt = time.UnixMilli(at)
	}
	return it, nil
}

// Put writes value under key and returns the new item; see
// backends.Extended. The condition is checked and the write made in one
// script.
func (s *Store) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return backends.Item{}, err
	}
	if err := s.checkWrite(value, opts.TTL); err != nil {
		return backends.Item{}, err
	}
	args := []any{key, value, ttlMS(opts.TTL), "", ""}
	switch {
	case opts.OnlyIfAbsent && opts.HasIfVersion:
		return backends.Item{}, backends.Errorf(backends.ErrInvalid, "put %q: only_if_absent and if_version exclude each other", abbrev(key))
	case opts.OnlyIfAbsent:
		args[3] = "nx"
	case opts.HasIfVersion:
		args[3], args[4] = "ver", opts.IfVersion
	}
	var cmd *redis.Cmd
	if args[3] == "" {
		cmd = setScript.Run(ctx, c, s.keys(key), args...)
	} else {
		cmd = runOnce(ctx, c, setScript, s.keys(key), args...)
	}
	r, err := cmd.Slice()
	if err != nil {
		return backends.Item{}, s.fail(ctx, "put", err, args[3] != "")
	}
	switch r[0] {
	case "EXISTS":
		return backends.Item{}, backends.Errorf(backends.ErrAlreadyExists, "put %q with only_if_absent: the key exists", abbrev(key))
	case "CONFLICT":
		return backends.Item{}, backends.Errorf(backends.ErrConflict, "put %q: the key's version is not %q, or the key is gone", abbrev(key), opts.IfVersion)
	}
	it := backends.Item{Key: key, Value: append([]byte(nil), value...), Version: version(r[1])}
	if at, _ := r[2].(int64); at > 0 {
		it.ExpiresAt = time.UnixMilli(at)
	}
	return it, nil
}

// List returns live items in byte-wise key order; see backends.Extended.
// Keys come from the index with ZRANGEBYLEX and their values from one
// pipeline per batch; keys that expired in between are skipped. List is
// not a snapshot: a key written while pages are read may or may not
// appear, but a key live throughout appears exactly once, in order.
func (s *Store) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	limit := opts.Limit
	switch {
	case limit == 0:
		limit = backends.DefaultListLimit
	case limit < 0 || limit > backends.MaxListLimit:
		return backends.Page{}, backends.Errorf(backends.ErrInvalid, "list: limit must be an integer from 1 to %d, got %d", backends.MaxListLimit, limit)
	}
	if err := ctx.Err(); err != nil {
		return backends.Page{}, err
	}
	c, err := s.conn()
	if err != nil {
		return backends.Page{}, err
	}
	lo := "-"
	if opts.Prefix != "" {
		lo = "[" + opts.Prefix
	}
	if opts.After != "" && opts.After >= opts.Prefix {
		lo = "(" + opts.After
	}
	hi := "+"
	if end, ok := prefixEnd(opts.Prefix); ok {
		hi = "(" + end
	}
	want := limit + 1 // one more tells has_more
	var items []backends.Item
	dead := 0
	for len(items) < want {
		n := want - len(items)
		members, err := c.ZRangeByLex(ctx, s.index, &redis.ZRangeBy{Min: lo, Max: hi, Count: int64(n)}).Result()
		if err != nil {
			return backends.Page{}, s.fail(ctx, "list", err, false)
		}
		if len(members) == 0 {
			break
		}
		p := c.Pipeline()
		vals := make([]*redis.SliceCmd, len(members))
		exps := make([]*redis.Cmd, len(members))
		for i, m := range members {
			vals[i] = p.HMGet(ctx, s.itemPrefix+m, "v", "ver")
			exps[i] = p.Do(ctx, "pexpiretime", s.itemPrefix+m)
		}
		if _, err := p.Exec(ctx); err != nil && err != redis.Nil {
			return backends.Page{}, s.fail(ctx, "list", err, false)
		}
		for i, m := range members {
			v := vals[i].Val()
			val, ok := v[0].(string)
			if !ok {
				dead++ // expired (or removed by another program)
				continue
			}
			it := backends.Item{Key: m, Value: []byte(val), Version: version(v[1])}
			if at, _ := exps[i].Int64(); at > 0 {
				it.ExpiresAt = time.UnixMilli(at)
			}
			items = append(items, it)
		}
		lo = "(" + members[len(members)-1]
		if len(members) < n {
			break
		}
	}
	if dead > 0 {
		// Drop expired keys from the index now, so later pages and
		// info need not pass over them again.
		if _, err := s.Sweep(ctx); err != nil {
			s.logger.Warn("store cleanup failed", "error", err)
		}
	}
	page := backends.Page{Cursor: opts.After}
	if len(items) > limit {
		items, page.HasMore = items[:limit], true
	}
	page.Items = items
	if len(items) > 0 {
		page.Cursor = items[len(items)-1].Key
	}
	return page, nil
}

// prefixEnd returns the smallest string greater than every string that
// starts with prefix; ok is false when there is none (no prefix, or only
// 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

// Incr atomically adds delta to the number stored under key; see
// backends.Extended. Integers add as int64: an overflow, or an integer
// result beyond 2^53 in magnitude (where Lua numbers lose precision), is
// ErrInvalid and writes nothing. When the stored number (or opts.Init for
// a missing key) or delta is not an integer, the sum is a float64 and must
// be finite. The result is stored as backends.EncodeNumber encodes it.
func (s *Store) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return 0, err
	}
	if err := s.checkWrite(nil, opts.TTL); err != nil {
		return 0, err
	}
	if !finite(delta) || !finite(opts.Init) {
		return 0, backends.Errorf(backends.ErrInvalid, "incr %q: delta and init must be finite numbers", abbrev(key))
	}
	args := append(append([]any{key, ttlMS(opts.TTL)}, numArgs(delta)...), numArgs(opts.Init)...)
	r, err := runOnce(ctx, c, incrScript, s.keys(key), args...).Slice()
	if err != nil {
		return 0, s.fail(ctx, "incr", err, true)
	}
	if r[0] == "INVALID" {
		return 0, backends.Errorf(backends.ErrInvalid, "incr %q: %v", abbrev(key), r[1])
	}
	out, _ := r[1].(string)
	n, err := backends.DecodeNumber([]byte(out))
	if err != nil {
		return 0, fmt.Errorf("incr %q: bad result: %w", abbrev(key), err)
	}
	return n, nil
}

// numArgs passes a number to incrScript: an int64 as its two 32-bit
// halves, anything else as a float.
func numArgs(f float64) []any {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		n := int64(f)
		return []any{"i", n >> 32, int64(uint32(n))}
	}
	return []any{"f", strconv.FormatFloat(f, 'g', -1, 64), ""}
}

// TTL returns the time left on a live key; ok is false when it has no
// expiry. A missing key is an error wrapping backends.ErrNotFound.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return 0, false, err
	}
	ms, err := c.Do(ctx, "pttl", s.itemPrefix+key).Int64()
	if err != nil {
		return 0, false, s.fail(ctx, "ttl", err, false)
	}
	switch {
	case ms == -2:
		return 0, false, errNotFound
	case ms < 0:
		return 0, false, nil
	}
	return time.Duration(ms) * time.Millisecond, true, nil
}

// Expire sets a live key's expiry (0 removes it) and reports whether the
// key was live. The key gets a new version.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	c, err := s.begin(ctx, key)
	if err != nil {
		return false, err
	}
	if err := s.checkWrite(nil, ttl); err != nil {
		return false, err
	}
	n, err := expireScript.Run(ctx, c, s.keys(key), key, ttlMS(ttl)).Int()
	if err != nil {
		return false, s.fail(ctx, "expire", err, false)
	}
	return n == 1, nil
}

// Info describes the store: backend "redis", durable when the server
// runs with appendonly, the exact count of live keys (unless keys were
// evicted or deleted by other programs), and the mode's consistency.
func (s *Store) Info(ctx context.Context) (backends.Info, error) {
	c, err := s.conn()
	if err != nil {
		return backends.Info{}, err
	}
	n, err := sizeScript.Run(ctx, c, []string{s.index, s.expiries}).Int64()
	if err != nil {
		return backends.Info{}, s.fail(ctx, "info", err, false)
	}
	s.mu.Lock()
	info := s.info
	s.mu.Unlock()
	info.Size = max(n, 0)
	return info, nil
}
