package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Component is what an entry becomes when the host builds it: a store, a
// database pool. The host calls Start once before use and Stop once at
// shutdown (or after a failed Start, never). Both are bounded by ctx.
type Component interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Exiter is implemented by a component whose run can end on its own after
// Start returned (a worker that dies, a connection lost for good). Exited
// is called after each successful Start and returns a channel that
// receives the reason once that run ends (nil: this run cannot end). The
// host then calls Stop and starts the entry again with backoff; a run
// shorter than lifecycle.stable_threshold counts as a failed attempt, as
// in Wippy's supervisor.
type Exiter interface {
	Exited() <-chan error
}

// ErrPermanent marks a start error that no retry can fix: a missing table
// without create_table, a wrong column type, refused credentials, a DSN
// that cannot be parsed. A component's Start wraps it
// (fmt.Errorf("...: %w", registry.ErrPermanent)) and the host marks the
// entry failed at once instead of retrying with backoff, as suture does
// with its do-not-restart error.
var ErrPermanent = errors.New("permanent failure")

// Clock is a time source: the runtime's clock, which the supervisor's
// timeouts and backoff and every kind's expiry follow. Tests inject one they
// move by hand.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the Clock of the operating system (time.Now,
// time.After). A kind may detect it to keep a faster path of its own.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Env is what a kind's New function gets besides its config.
type Env struct {
	// Entry is the entry being built.
	Entry *Entry
	// Logger logs on behalf of the entry.
	Logger *slog.Logger
	// Dep returns the component of a dependency of this entry (a full ID
	// listed in Entry.Deps). The host starts every dependency before it
	// calls the component's Start.
	Dep func(id string) Component
	// Clock is the runtime's clock; nil means SystemClock. Kinds read the
	// time only through it.
	Clock Clock
}

// CustomClock returns the Env's clock when it is not the system clock, and
// nil otherwise, for kinds that keep a faster path of their own on the
// system clock.
func (e Env) CustomClock() Clock {
	if _, sys := e.Clock.(SystemClock); sys || e.Clock == nil {
		return nil
	}
	return e.Clock
}

// Kind describes one entry kind: how its fields are decoded and how an
// entry of that kind is built.
type Kind struct {
	// Name is the dotted kind name used in YAML, e.g. "store.memory".
	Name string
	// Decode reads the kind's own fields and returns its config. Problems
	// are reported through f (f.Errorf) and need not stop decoding. Fields
	// the function never asks for are reported as unknown.
	Decode func(f *Fields) any
	// New builds a component from a config returned by Decode. It must
	// start no goroutines; Start does.
	New func(cfg any, env Env) (Component, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// RegisterKind adds a kind to the process-wide kind table. Packages call it
// from init. An empty name, a nil function or a duplicate name panics: that
// is a programming error.
func RegisterKind(k Kind) {
	if k.Name == "" {
		panic("registry: RegisterKind with empty name")
	}
	if k.Decode == nil || k.New == nil {
		panic(fmt.Sprintf("registry: RegisterKind %q with nil Decode or New", k.Name))
	}
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic(fmt.Sprintf("registry: RegisterKind called twice for kind %q", k.Name))
	}
	kinds[k.Name] = k
}

// LookupKind returns the registered kind with that name.
func LookupKind(name string) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	return k, ok
}

// KindNames returns the names of every registered kind, sorted.
func KindNames() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
