package luastd

import (
	"context"
	"errors"
)

// ErrMemoryLimit is the cause of a run stopped for allocating past its
// memory cap.
var ErrMemoryLimit = errors.New("memory limit exceeded")

type memoryLimitKey struct{}

// WithMemoryLimit returns a copy of ctx that caps, in bytes, what the run
// using it may allocate. bytes <= 0 means no cap.
func WithMemoryLimit(ctx context.Context, bytes int64) context.Context {
	return context.WithValue(ctx, memoryLimitKey{}, bytes)
}

// MemoryLimit returns the cap in bytes set by WithMemoryLimit, or 0 when
// ctx (which may be nil) carries none.
func MemoryLimit(ctx context.Context) int64 {
	if ctx == nil {
		return 0
	}
	n, _ := ctx.Value(memoryLimitKey{}).(int64)
	if n < 0 {
		return 0
	}
	return n
}
