package memory

import (
	"context"
	"unsafe"

	"github.com/luahost/luahost/backends"
)

var _ backends.StringGetter = (*Store)(nil)

// GetString is Get returning the stored copy as a string, without copying
// it: the copy is never written after Set made it.
func (s *Store) GetString(ctx context.Context, key string) (string, error) {
	b, err := s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}
