package memory

import (
	"context"

	"github.com/luahost/luahost/backends"
)

var _ backends.StringGetter = (*Store)(nil)

// GetString is Get returning the stored copy as a string, without copying
// it: the copy is never written after a reader was handed it.
func (s *Store) GetString(ctx context.Context, key string) (string, error) {
	if err := check(ctx, key); err != nil {
		return "", err
	}
	sh, h := s.shardFor(key)
	sh.mu.Lock()
	var v string
	i, ok := sh.find(h, key)
	if ok {
		// A key without expiry needs no clock reading.
		if sl := &sh.slots[i]; sl.exp == noExpiry || s.clock() < sl.exp {
			sl.share()
			v = sl.value()
		} else {
			ok = false
		}
	}
	sh.mu.Unlock()
	if !ok {
		return "", errNotFound
	}
	return v, nil
}
