package luamod_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/luahost/luahost/backends"
)

// The extended methods of memStore, kept simple: every call holds the lock.

func (s *memStore) Put(ctx context.Context, key string, value []byte, opts backends.PutOptions) (backends.Item, error) {
	if err := s.check(ctx, key); err != nil {
		return backends.Item{}, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return backends.Item{}, err
	}
	if opts.OnlyIfAbsent && opts.HasIfVersion {
		return backends.Item{}, fmt.Errorf("only_if_absent with if_version: %w", backends.ErrInvalid)
	}
	if opts.HasIfVersion && s.unversioned {
		return backends.Item{}, fmt.Errorf("this store keeps no versions: %w", backends.ErrInvalid)
	}
	if s.maxValue > 0 && len(value) > s.maxValue {
		return backends.Item{}, fmt.Errorf("value is %d bytes, over this store's limit of %d bytes: %w", len(value), s.maxValue, backends.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, live := s.live(key)
	switch {
	case opts.OnlyIfAbsent && live:
		return backends.Item{}, backends.Errorf(backends.ErrAlreadyExists, "put %q with only_if_absent: the key exists", key)
	case opts.HasIfVersion && (!live || s.version(old) != opts.IfVersion):
		return backends.Item{}, backends.Errorf(backends.ErrConflict, "put %q: the key's version is not %q, or the key is gone", key, opts.IfVersion)
	}
	if !live && s.maxSize > 0 && s.liveCount() >= s.maxSize {
		return backends.Item{}, backends.Errorf(backends.ErrFull, "the store is full (max_size %d)", s.maxSize)
	}
	e := memEntry{val: append([]byte{}, value...)}
	if opts.TTL > 0 {
		e.exp = s.now().Add(opts.TTL)
	}
	return s.write(key, e), nil
}

// write stores e under key with a new version. The caller holds s.mu.
func (s *memStore) write(key string, e memEntry) backends.Item {
	s.versions++
	e.ver = s.versions
	s.data[key] = e
	return s.item(key, e)
}

func (s *memStore) version(e memEntry) string {
	if s.unversioned {
		return ""
	}
	return strconv.FormatUint(e.ver, 10)
}

func (s *memStore) item(key string, e memEntry) backends.Item {
	return backends.Item{Key: key, Value: e.val, Version: s.version(e), ExpiresAt: e.exp}
}

func (s *memStore) liveCount() int {
	n := 0
	for k := range s.data {
		if _, ok := s.live(k); ok {
			n++
		}
	}
	return n
}

func (s *memStore) Entry(ctx context.Context, key string) (backends.Item, error) {
	if err := s.check(ctx, key); err != nil {
		return backends.Item{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return backends.Item{}, fmt.Errorf("key %q: %w", key, backends.ErrNotFound)
	}
	return s.item(key, e), nil
}

func (s *memStore) List(ctx context.Context, opts backends.ListOptions) (backends.Page, error) {
	if err := ctx.Err(); err != nil {
		return backends.Page{}, err
	}
	limit := opts.Limit
	if limit == 0 {
		limit = backends.DefaultListLimit
	}
	if limit < 0 || limit > backends.MaxListLimit {
		return backends.Page{}, fmt.Errorf("limit %d: %w", limit, backends.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k := range s.data {
		if _, ok := s.live(k); ok && strings.HasPrefix(k, opts.Prefix) && k > opts.After {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // Go compares strings byte-wise
	page := backends.Page{Cursor: opts.After}
	for i, k := range keys {
		if i == limit {
			page.HasMore = true
			break
		}
		page.Items = append(page.Items, s.item(k, s.data[k]))
		page.Cursor = k
	}
	return page, nil
}

func (s *memStore) Incr(ctx context.Context, key string, delta float64, opts backends.IncrOptions) (float64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	if err := backends.ValidateTTL(opts.TTL); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, live := s.live(key)
	cur := backends.EncodeNumber(opts.Init)
	if live {
		cur = e.val
	} else {
		if s.maxSize > 0 && s.liveCount() >= s.maxSize {
			return 0, backends.Errorf(backends.ErrFull, "the store is full (max_size %d)", s.maxSize)
		}
		e = memEntry{}
		if opts.TTL > 0 {
			e.exp = s.now().Add(opts.TTL)
		}
	}
	n, val, err := backends.AddNumber(nil, cur, delta)
	if err != nil {
		return 0, fmt.Errorf("incr %q: %w", key, err)
	}
	e.val = val
	s.write(key, e)
	return n, nil
}

func (s *memStore) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return 0, false, fmt.Errorf("key %q: %w", key, backends.ErrNotFound)
	}
	if e.exp.IsZero() {
		return 0, false, nil
	}
	return e.exp.Sub(s.now()), true, nil
}

func (s *memStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.check(ctx, key); err != nil {
		return false, err
	}
	if err := backends.ValidateTTL(ttl); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return false, nil
	}
	e.exp = time.Time{}
	if ttl > 0 {
		e.exp = s.now().Add(ttl)
	}
	s.write(key, e)
	return true, nil
}

func (s *memStore) Info(ctx context.Context) (backends.Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return backends.Info{
		Kind: "test.memory", Backend: "memory", Size: int64(s.liveCount()), MaxSize: int64(s.maxSize),
		Capabilities: backends.Capabilities{TTL: true, List: true, Versioned: !s.unversioned, ConditionalPut: !s.unversioned, Incr: true},
	}, nil
}
