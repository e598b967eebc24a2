package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
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

// DepAs returns the component of the dependency id (named by the entry's
// field) as a T, the interface the entry needs of it, or an error
// "<entry>: <field> <id> is a <type>, not <want>" when it is not one.
func DepAs[T any](env Env, field, id, want string) (T, error) {
	dep := env.Dep(id)
	t, ok := dep.(T)
	if !ok {
		return t, fmt.Errorf("%s: %s %s is a %T, not %s", env.Entry.ID, field, id, dep, want)
	}
	return t, nil
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

// TypedKind describes an entry kind whose config is a C: Decode reads the
// kind's fields into a C, and New builds a component from that C. Register
// it with [RegisterTyped].
type TypedKind[C any] struct {
	// Name is the dotted kind name used in YAML, e.g. "store.memory".
	Name string
	// Decode reads the kind's own fields and returns its config. Problems
	// are reported through f (f.Errorf) and need not stop decoding. Fields
	// the function never asks for are reported as unknown. When C
	// implements [Validator], the loader reports its problems after
	// Decode, each at its field.
	Decode func(f *Fields) C
	// New builds a component from a config returned by Decode. It must
	// start no goroutines; Start does.
	New func(cfg C, env Env) (Component, error)
}

// Kind is an entry kind as the kind table holds it, with its config
// untyped: what [LookupKind] returns, and what [RegisterKind] takes from
// kinds not yet written against [TypedKind]. The loader calls Decode and
// stores the result in Entry.Config; the host passes that value to New.
type Kind struct {
	// Name is the dotted kind name used in YAML, e.g. "store.memory".
	Name string
	// Decode is TypedKind.Decode with the config as any.
	Decode func(f *Fields) any
	// New is TypedKind.New with the config as any; it gets exactly what
	// Decode returned.
	New func(cfg any, env Env) (Component, error)
}

// FieldError is one problem of a kind's config, in one field. Field is
// the field's registry name, with dots for nested mappings
// ("pool.max_open"); Msg says what is wrong without repeating it.
type FieldError struct {
	Field string
	Msg   string
	// Also names other fields the problem follows from ("dsn" for "either
	// dsn or host is required" at host): when one of them was reported
	// already, so holds a default the user did not write, the problem is
	// not reported either.
	Also []string
}

// Error returns "field: msg".
func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validator is implemented by a kind's config that checks itself, so that
// one method serves both the registry (the loader reports each problem at
// its field's file:line:col) and Go code that builds the kind's component
// directly (see [CheckConfig]). Problems returns nil when the config is
// valid. Problems about a field whose value the loader already reported
// (a wrong type, an unset variable) are not reported again: Decode then
// got the field's default, which the user did not write.
type Validator interface {
	Problems() []FieldError
}

// CheckConfig returns nil when cfg has no problems, and otherwise one
// error "id: field: msg" per problem, joined with errors.Join; each
// unwraps to its FieldError.
func CheckConfig(id string, cfg Validator) error {
	ps := cfg.Problems()
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return fmt.Errorf("%s: %w", id, errors.Join(errs...))
}

// Schemer is an optional capability of a kind's config: the schema (DDL)
// an entry needs in the system that holds its data, as `luahost schema`
// prints it. Schema returns the statements, each ending with ";" and a
// newline, or "" when the entry needs no schema (a store in memory, a
// store in Redis). reg is the whole registry, for the configs of the
// entries the entry refers to (the dialect of its database). A config
// without the capability has no schema to print.
type Schemer interface {
	Schema(reg *Registry) (string, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]Kind{}
)

// RegisterTyped adds a kind whose config is a C to the process-wide kind
// table. Packages call it from init, as drivers call database/sql.Register.
// An empty name, a nil function or a duplicate name panics: that is a
// programming error.
func RegisterTyped[C any](k TypedKind[C]) {
	if k.Decode == nil || k.New == nil {
		panic(fmt.Sprintf("registry: RegisterTyped %q with nil Decode or New", k.Name))
	}
	RegisterKind(Kind{
		Name:   k.Name,
		Decode: func(f *Fields) any { return k.Decode(f) },
		New: func(cfg any, env Env) (Component, error) {
			c, ok := cfg.(C)
			if !ok {
				return nil, fmt.Errorf("%s: config is a %T, want a %T", k.Name, cfg, *new(C))
			}
			return k.New(c, env)
		},
	})
}

// RegisterKind adds a kind with an untyped config to the process-wide kind
// table; it panics as RegisterTyped does. New kinds use RegisterTyped,
// which does the type assertion New would otherwise need; converting a
// kind is: Kind becomes TypedKind[C], Decode returns C and New takes C.
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

// ErrNoSchema is returned by [Registry.Schema] for an entry that has no
// schema to print: its config says it needs none, or its kind does not
// offer [Schemer].
var ErrNoSchema = errors.New("no schema")

// Schema returns the schema (DDL) the entry id needs, as its config's
// [Schemer] gives it. An entry without one gives an error wrapping
// ErrNoSchema; an unknown ID, an error naming the IDs closest to it.
func (r *Registry) Schema(id string) (string, error) {
	e, ok := r.Entry(id)
	if !ok {
		msg := fmt.Sprintf("no entry %q in the registry", id)
		if s := r.Similar(id); len(s) > 0 {
			msg += " (did you mean " + strings.Join(s, " or ") + "?)"
		}
		return "", errors.New(msg)
	}
	sc, ok := e.Config.(Schemer)
	if !ok {
		return "", fmt.Errorf("%s: %w: a %s does not describe one", id, ErrNoSchema, e.Kind)
	}
	ddl, err := sc.Schema(r)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %w", id, err)
	case ddl == "":
		return "", fmt.Errorf("%s: %w: a %s needs none", id, ErrNoSchema, e.Kind)
	}
	return ddl, nil
}
