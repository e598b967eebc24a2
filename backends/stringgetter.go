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

// BufferGetter is implemented by stores that can copy a short value into
// memory the caller provides while they hold the value still. A value
// copied out, unlike one handed out by GetString, stays the store's own:
// the next Set of the key can write over it in place instead of
// allocating.
type BufferGetter interface {
	StringGetter
	// GetStringBuf is GetString, except that a value of at most len(buf)
	// bytes is copied into buf and returned as a string that aliases
	// buf, with copied true: the caller must copy the string out before
	// it writes buf again. Longer values are returned as GetString
	// returns them, with copied false.
	GetStringBuf(ctx context.Context, key string, buf []byte) (v string, copied bool, err error)
}

// ValueLimiter is implemented by stores that refuse values over a size
// they know before any write, so that a caller can stop building a larger
// value instead of handing it over to be refused.
type ValueLimiter interface {
	// MaxValueSize returns the largest value Set and Put accept, in
	// bytes; 0 when the store knows no such limit.
	MaxValueSize() int
}
