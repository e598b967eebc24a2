package backends

import "context"

// StringGetter is implemented by stores whose stored values never change
// once written, so that a read can hand them out without a copy. Callers
// find it with a type assertion and fall back to Store.Get without it.
type StringGetter interface {
	// GetString is Get returning the value as a string that shares the
	// store's bytes: the store never modifies them, so the string stays
	// valid and unchanged after the key is overwritten or deleted. A
	// missing or expired key returns an error wrapping ErrNotFound.
	GetString(ctx context.Context, key string) (string, error)
}
