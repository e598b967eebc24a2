package runtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"time"

	"github.com/luahost/luahost/internal/bytesize"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

// WithMemoryLimit sets the default memory cap, in bytes, of every script
// the runtime runs (0, the default, means none; WithSandbox alone sets no
// cap). A run's own cap from WithRunMemoryLimit takes precedence.
//
// A script past its cap stops with a *ScriptError whose Cause is a
// *luamod.Error of kind INVALID: errors.Is(err, ErrInvalid) and
// errors.Is(err, luastd.ErrMemoryLimit) both hold, and its message reads
// "INVALID: memory limit of 64 MiB exceeded". Library functions (string.rep,
// upper, lower, reverse, gsub, format, table.concat, ...) and the ..
// operator refuse a string or list larger than the cap before allocating
// it, and a large one (1 MiB, or a sixteenth of the cap) that would pass
// the cap with what the run already holds; such a refusal is the same
// error, its message going on with what asked (": string.rep needs
// 2147483648 bytes"), and it wraps the *luastd.MemoryError. What they
// cannot see (tables a script grows in the VM, many small strings) is
// caught by a watchdog that samples the Go heap every few milliseconds, so
// a run may pass its cap by what it allocates in that time.
//
// What is measured is the process's Go heap: with several runs at once, a
// run is charged for the growth of the heap since it started, whoever
// caused it (the host's own caches included), and garbage not yet collected
// counts until a collection. A host that runs scripts under a cap should
// set the Go collector's limit (debug.SetMemoryLimit, or GOMEMLIMIT) to
// what the host itself needs plus the cap and some room, as the luahost
// command does (the cap plus 64 MiB), so that garbage is collected before
// it is charged to a script.
func WithMemoryLimit(bytes int64) Option { return func(c *config) { c.memoryLimit = bytes } }

// WithRunMemoryLimit returns a copy of ctx that caps, in bytes, the memory
// of the script run under it (RunString, Run, RunFile, Do, Session.Call),
// overriding the runtime's WithMemoryLimit; bytes <= 0 means no cap for
// this run. The cap reaches library functions through
// luastd.WithMemoryLimit, which a run's context may also carry directly.
func WithRunMemoryLimit(ctx context.Context, bytes int64) context.Context {
	return context.WithValue(luastd.WithMemoryLimit(ctx, bytes), runLimitKey{}, bytes)
}

type runLimitKey struct{}

// watchInterval is how often the memory watchdog samples the heap.
const watchInterval = 5 * time.Millisecond

// limitMemory applies the run's memory cap to ctx: it carries the cap for
// library functions, what the run holds (luastd.WithMemoryUsage: the live
// heap's growth since the run started) and, when there is a cap, a
// watchdog that cancels the context with cause luastd.ErrMemoryLimit once
// the heap has grown past it. stop ends the watchdog.
func (rt *Runtime) limitMemory(ctx context.Context) (_ context.Context, stop func()) {
	limit, ok := ctx.Value(runLimitKey{}).(int64)
	if !ok {
		limit = luastd.MemoryLimit(ctx)
		if limit == 0 && rt.memoryLimit > 0 {
			limit = rt.memoryLimit
			ctx = luastd.WithMemoryLimit(ctx, limit)
		}
	}
	if limit <= 0 {
		return ctx, func() {}
	}
	m := newHeapMeter()
	ctx = luastd.WithMemoryUsage(ctx, m.used)
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go m.watch(limit, cancel, done)
	return ctx, func() {
		close(done)
		cancel(nil)
	}
}

// heapSamples are the heap figures the watchdog reads.
var heapSamples = []string{"/memory/classes/heap/objects:bytes", "/gc/heap/live:bytes"}

// heapMeter measures a run's memory as the growth of the Go heap since
// the run started.
type heapMeter struct {
	// Garbage of earlier runs, in the heap at the start, must not count
	// against this one: what is live is measured from the last
	// collection's figure, the heap with garbage from its size then.
	baseObjects, baseLive int64
}

func newHeapMeter() *heapMeter {
	objects, live := readHeap()
	return &heapMeter{baseObjects: objects, baseLive: live}
}

// readHeap returns the bytes of heap objects (live or not yet collected)
// and of the objects the last GC found live.
func readHeap() (objects, live int64) {
	s := make([]metrics.Sample, len(heapSamples))
	for i, name := range heapSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	return int64(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

// used is what the run holds: the growth of what the last collection
// found live.
func (m *heapMeter) used() int64 {
	_, live := readHeap()
	return max(live-m.baseLive, 0)
}

// watch cancels the run when the heap has grown more than limit bytes
// past its size when the run started. Garbage not yet collected does
// not count: the run is judged by what the last collection found live,
// unless the heap (garbage included) has grown past twice the limit, which
// a collector at its default pace (GOGC=100) never lets happen to a run
// within its limit.
func (m *heapMeter) watch(limit int64, cancel context.CancelCauseFunc, done <-chan struct{}) {
	tick := time.NewTicker(watchInterval)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		objects, live := readHeap()
		if live-m.baseLive > limit || objects-m.baseObjects > 2*limit {
			cancel(&luamod.Error{
				Kind:    luamod.KindInvalid,
				Message: fmt.Sprintf("memory limit of %s exceeded", FormatBytes(limit)),
				Err:     luastd.ErrMemoryLimit,
			})
			return
		}
	}
}

// memoryError returns the memory-limit error that stopped the run of L,
// if that is what stopped it.
func memoryError(ctx context.Context) (*luamod.Error, bool) {
	if ctx == nil {
		return nil, false
	}
	var le *luamod.Error
	if cause := context.Cause(ctx); errors.Is(cause, luastd.ErrMemoryLimit) && errors.As(cause, &le) {
		return le, true
	}
	return nil, false
}

// FormatBytes writes n bytes the way luahost's messages and flags do:
// "256 MiB", "1 GiB", or "1000 bytes" when no binary unit divides it.
func FormatBytes(n int64) string { return bytesize.Format(n) }
