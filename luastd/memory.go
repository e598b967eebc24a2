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

type memoryUsageKey struct{}

// WithMemoryUsage returns a copy of ctx that tells library functions how
// many bytes the run using it holds now: used returns them, as the host
// measures them (e.g. the live heap's growth since the run started). With
// it, a large request is refused when what the run holds plus the request
// would pass the cap of WithMemoryLimit, before anything is allocated.
// used may be called from the run's goroutine at any time.
func WithMemoryUsage(ctx context.Context, used func() int64) context.Context {
	return context.WithValue(ctx, memoryUsageKey{}, used)
}

// memoryUsage returns the function WithMemoryUsage set, or nil.
func memoryUsage(ctx context.Context) func() int64 {
	if ctx == nil {
		return nil
	}
	used, _ := ctx.Value(memoryUsageKey{}).(func() int64)
	return used
}
