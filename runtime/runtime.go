package runtime

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/security"
)

//go:embed default_registry.yaml
var defaultRegistry []byte

// DefaultRegistry returns the built-in registry used when none is given.
func DefaultRegistry() []byte { return defaultRegistry }

// RegisterKind adds an entry kind to the process-wide kind table, like
// database/sql.Register. Call it from init; a duplicate name panics.
func RegisterKind(k registry.Kind) { registry.RegisterKind(k) }

// Option configures a Runtime.
type Option func(*config)

type config struct {
	sources  []func() ([]registry.Source, error)
	getenv   func(string) (string, bool)
	logger   *slog.Logger
	clock    Clock
	sandbox  bool
	noBoot   bool
	preloads map[string]LuaLoader

	memoryLimit int64
	runDefaults []RunOption
}

// WithRegistry loads the registry from files and directories.
func WithRegistry(paths ...string) Option {
	return func(c *config) {
		c.sources = append(c.sources, func() ([]registry.Source, error) { return registry.ReadPaths(paths...) })
	}
}

// WithRegistryFS loads the registry from paths inside fsys (e.g. an
// embed.FS).
func WithRegistryFS(fsys fs.FS, paths ...string) Option {
	return func(c *config) {
		c.sources = append(c.sources, func() ([]registry.Source, error) { return registry.ReadFS(fsys, paths...) })
	}
}

// WithRegistryString loads a registry held in a string; name is used in
// error positions. Relative paths in it are relative to the working
// directory.
func WithRegistryString(name, yaml string) Option {
	return func(c *config) {
		c.sources = append(c.sources, func() ([]registry.Source, error) {
			return []registry.Source{{Name: name, Data: []byte(yaml)}}, nil
		})
	}
}

// WithLogger sets the logger for lifecycle events (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithGetenv sets the lookup for ${env:NAME} in the registry (default
// os.LookupEnv).
func WithGetenv(f func(string) (string, bool)) Option { return func(c *config) { c.getenv = f } }

// WithSandbox restricts scripts: no io or debug, os only time/clock/date
// (so no os.exit), no loadfile/dofile, require only of preloaded modules.
// The README lists every global a sandboxed script sees.
func WithSandbox() Option { return func(c *config) { c.sandbox = true } }

// WithoutBoot skips starting auto_start entries; entries start on first
// use. Used by commands that only inspect a registry.
func WithoutBoot() Option { return func(c *config) { c.noBoot = true } }

// WithClock sets the runtime's clock (default the system clock): the
// supervisor's start and stop timeouts and retry backoff, and the expiry of
// every built-in store, follow it. Tests pass a clock they move by hand.
func WithClock(cl Clock) Option { return func(c *config) { c.clock = cl } }

// Runtime is a booted registry plus everything needed to run Lua against
// it. It is safe for concurrent use.
type Runtime struct {
	reg      *registry.Registry
	sup      *supervisor
	logger   *slog.Logger
	sandbox  bool
	preloads map[string]LuaLoader
	pool     statePool
	chunks   chunkCache

	memoryLimit int64 // default cap of a run, bytes; 0 = none

	policies    *policies
	runDefaults []RunOption
	defaultSec  *security.Context // runDefaults resolved

	closeOnce sync.Once
	closeErr  error
}

// New loads and validates the registry (the built-in default when no
// registry option is given), builds every entry and starts the auto_start
// ones in dependency order. A registry problem is returned as a
// *registry.Error listing every problem.
func New(ctx context.Context, opts ...Option) (*Runtime, error) {
	c := config{clock: registry.SystemClock{}, preloads: map[string]LuaLoader{}}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(c.sources) == 0 {
		c.sources = append(c.sources, func() ([]registry.Source, error) {
			return []registry.Source{{Name: "<default registry>", Data: defaultRegistry}}, nil
		})
	}
	var sources []registry.Source
	for _, get := range c.sources {
		s, err := get()
		if err != nil {
			return nil, err
		}
		sources = append(sources, s...)
	}
	reg, err := registry.Load(sources, registry.Options{Getenv: c.getenv})
	if err != nil {
		return nil, err
	}
	// Values from the environment never reach a log line.
	logger := newRedactLogger(c.logger, reg.Redact)
	for _, w := range reg.Warnings() {
		logger.Warn("registry: "+w.Msg, "at", w.Pos.String(), "entry", w.EntryID)
	}
	rt := &Runtime{reg: reg, logger: logger, sandbox: c.sandbox, preloads: c.preloads, memoryLimit: c.memoryLimit}
	if rt.policies, err = newPolicies(reg); err != nil {
		return nil, err
	}
	rt.runDefaults = c.runDefaults
	if rt.defaultSec, err = rt.resolveSecurity(c.runDefaults); err != nil {
		return nil, err
	}
	units := map[string]*unit{}
	var buildErrs []error
	for _, e := range reg.Order() { // dependencies are built first
		kind, ok := registry.LookupKind(e.Kind)
		if !ok {
			// The loader rejects unknown kinds; this is a registry bug.
			return nil, fmt.Errorf("entry %s: kind %q is not registered", e.ID, e.Kind)
		}
		u := &unit{entry: e}
		env := registry.Env{
			Entry:  e,
			Logger: logger.With("entry", e.ID),
			Dep: func(id string) registry.Component {
				if d, ok := units[id]; ok {
					return d.comp
				}
				return nil
			},
			Clock: c.clock,
		}
		comp, err := kind.New(e.Config, env)
		if err != nil {
			buildErrs = append(buildErrs, redactErr(reg.Redact, fmt.Errorf("%s: %s: %w", e.Pos, e.ID, err)))
			continue
		}
		u.comp = comp
		units[e.ID] = u
	}
	if len(buildErrs) > 0 {
		return nil, errors.Join(buildErrs...)
	}
	rt.sup = newSupervisor(units, c.clock, rand.Float64, logger)
	rt.sup.redact = reg.Redact
	if !c.noBoot {
		if err := rt.sup.boot(ctx, reg.Order()); err != nil {
			return nil, err
		}
	}
	return rt, nil
}

// Close stops every running entry in reverse dependency order, each within
// its stop_timeout and ctx, ends starts and retries in flight, and waits
// (bounded by ctx) for every goroutine the runtime started. The error
// joins one error per entry that did not stop. It is idempotent: later
// calls return the first call's error.
func (rt *Runtime) Close(ctx context.Context) error {
	rt.closeOnce.Do(func() {
		rt.pool.close()
		rt.closeErr = rt.sup.shutdown(ctx)
	})
	return rt.closeErr
}

// Registry returns the loaded registry.
func (rt *Runtime) Registry() *registry.Registry { return rt.reg }

// State returns the lifecycle state of an entry (Stopped for an unknown ID).
func (rt *Runtime) State(id string) State {
	st, _ := rt.sup.state(id)
	if st.Phase == "" {
		st.Phase = Stopped
	}
	return st
}

// EntryState is one entry with its current lifecycle state.
type EntryState struct {
	Entry *registry.Entry
	State State
}

// States returns every entry with its state, sorted by ID.
func (rt *Runtime) States() []EntryState {
	var out []EntryState
	for _, e := range rt.reg.Entries() {
		out = append(out, EntryState{Entry: e, State: rt.State(e.ID)})
	}
	return out
}

// Start starts an entry and its dependencies if they are not running, and
// waits for the start. The start runs under the runtime, bounded by the
// entry's start_timeout: when ctx ends first, Start returns an error
// matching ctx.Err() and the start goes on for later callers. An entry
// that cannot start gives an *UnavailableError.
func (rt *Runtime) Start(ctx context.Context, id string) error {
	if _, ok := rt.reg.Entry(id); !ok {
		return rt.notFound(id)
	}
	return rt.sup.ensure(ctx, id)
}

// backendStore returns the running store with that ID, starting it when
// needed. It is the resolver behind the Lua store.get.
func (rt *Runtime) backendStore(ctx context.Context, id string) (backends.Store, error) {
	if !registry.ValidID(id) {
		return nil, backends.Errorf(backends.ErrInvalid, "malformed store ID %q: want \"namespace:name\"", id)
	}
	e, ok := rt.reg.Entry(id)
	if !ok {
		return nil, rt.notFound(id)
	}
	u := rt.sup.units[id]
	st, ok := u.comp.(backends.Store)
	if !ok {
		return nil, backends.Errorf(backends.ErrInvalid, "entry %s is a %s, not a store", id, e.Kind)
	}
	if err := rt.sup.ensure(ctx, id); err != nil {
		return nil, err
	}
	return st, nil
}

func (rt *Runtime) notFound(id string) error {
	msg := fmt.Sprintf("no entry %q in the registry", id)
	if similar := rt.reg.Similar(id); len(similar) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", quoteList(similar))
	}
	return backends.Errorf(backends.ErrNotFound, "%s", msg)
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	sort.Strings(q)
	return strings.Join(q, " or ")
}

type storeResolver struct{ rt *Runtime }

func (r storeResolver) Store(ctx context.Context, id string) (backends.Store, error) {
	return r.rt.backendStore(ctx, id)
}
