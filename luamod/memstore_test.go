package luamod_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/testclock"
)

// memStore is a minimal backends.Store for luamod's own tests: a map under
// a mutex, with TTLs read from an injected clock.
type memStore struct {
	mu          sync.Mutex
	data        map[string]memEntry
	now         func() time.Time
	maxSize     int // 0: no limit
	maxKeyLen   int // 0: no limit
	maxValue    int // 0: no limit
	versions    uint64
	unversioned bool // keep no versions, as store.sql without a version column
}

type memEntry struct {
	val []byte
	exp time.Time // zero: no expiry
	ver uint64
}

func newMemStore(now func() time.Time) *memStore {
	return &memStore{data: make(map[string]memEntry), now: now}
}

// live returns the entry for key if it exists and has not expired.
// The caller holds s.mu.
func (s *memStore) live(key string) (memEntry, bool) {
	e, ok := s.data[key]
	if !ok || !e.exp.IsZero() && !s.now().Before(e.exp) {
		return memEntry{}, false
	}
	return e, true
}

func (s *memStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.check(ctx, key); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return nil, fmt.Errorf("key %q: %w", key, backends.ErrNotFound)
	}
	return e.val, nil
}

func (s *memStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	_, err := s.Put(ctx, key, value, backends.PutOptions{TTL: ttl})
	return err
}

func (s *memStore) Delete(ctx context.Context, key string) (bool, error) {
	if err := s.check(ctx, key); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.live(key)
	delete(s.data, key)
	return ok, nil
}

func (s *memStore) Exists(ctx context.Context, key string) (bool, error) {
	if err := s.check(ctx, key); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.live(key)
	return ok, nil
}

func (s *memStore) Clear(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.data)
	return nil
}

func (s *memStore) check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return backends.ValidateKey(key, s.maxKeyLen)
}

var _ backends.Extended = (*memStore)(nil)

func newFakeClock() *testclock.Clock { return testclock.New() }

// memResolver resolves IDs to stores, and knows some IDs that exist but
// are not stores.
type memResolver struct {
	stores   map[string]backends.Store
	nonStore map[string]string // ID -> kind
}

func (r *memResolver) Store(ctx context.Context, id string) (backends.Store, error) {
	ns, name, ok := strings.Cut(id, ":")
	if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
		return nil, fmt.Errorf("store ID %q is not of the form namespace:name: %w", id, backends.ErrInvalid)
	}
	if s, ok := r.stores[id]; ok {
		return s, nil
	}
	if kind, ok := r.nonStore[id]; ok {
		return nil, fmt.Errorf("entry %q is a %s, not a store: %w", id, kind, backends.ErrInvalid)
	}
	return nil, fmt.Errorf("no entry %q: %w", id, backends.ErrNotFound)
}
