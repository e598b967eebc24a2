package memory

import (
	"context"
	"unsafe"

	"github.com/luahost/luahost/backends"
)

var _ backends.BufferGetter = (*Store)(nil)

// GetString is Get returning the stored copy as a string, without copying
// it: the copy is never written after a reader was handed it.
func (s *Store) GetString(ctx context.Context, key string) (string, error) {
	v, _, err := s.GetStringBuf(ctx, key, nil)
	return v, err
}

// GetStringBuf is GetString copying a value of at most len(buf) bytes into
// buf (see backends.BufferGetter). Such a read leaves the stored copy
// unshared, so that the next Set of the key can reuse it.
func (s *Store) GetStringBuf(ctx context.Context, key string, buf []byte) (v string, copied bool, err error) {
	if err := check(ctx, key); err != nil {
		return "", false, err
	}
	sh, h := s.shardFor(key)
	// sh.lock(), written out: the compiler does not inline it.
	sh.mu.Lock()
	if sh.fenced {
		sh.mu.Unlock()
		return "", false, backends.ErrFenced
	}
	i, ok := sh.find(h, key)
	if ok {
		// A key without expiry needs no clock reading.
		if sl := &sh.slots[i]; sl.exp == noExpiry || s.clock() < sl.exp {
			if v = sl.value(); len(v) <= len(buf) {
				if n := copy(buf, v); n > 0 {
					v, copied = unsafe.String(&buf[0], n), true
				}
			} else {
				sl.share()
			}
		} else {
			ok = false
		}
	}
	sh.mu.Unlock()
	if !ok {
		return "", false, errNotFound
	}
	return v, copied, nil
}
