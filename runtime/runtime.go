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
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/security"
)

//go:embed default_registry.yaml
var defaultRegistry []byte

// defaultRegistryNoSQLite is the built-in registry of a binary without
// SQLite (built without cgo): defaultRegistry without sqliteDefaultIDs.
//
//go:embed default_registry_nosqlite.yaml
var defaultRegistryNoSQLite []byte

// sqliteDefaultIDs are the entries of the built-in registry that need
// SQLite.
var sqliteDefaultIDs = []string{"app:kv", "app:kvdb"}

// defaultRegistryName is the file name of the built-in registry's
// entries, in positions and errors.
const defaultRegistryName = "<default registry>"

// sqliteAvailable reports whether this binary has SQLite; tests replace
// it to run the registry of a binary without.
var sqliteAvailable = sqldb.SQLiteAvailable

// DefaultRegistry returns the built-in registry used when none is given:
// app:cache (store.memory) and app:kv (store.sql on app:kvdb, the SQLite
// file luahost.db in the working directory). A binary built without cgo
// has no SQLite (see sqldb.ErrSQLiteUnavailable), and its built-in
// registry holds app:cache alone; asking it for app:kv says why.
func DefaultRegistry() []byte {
	if sqliteAvailable() {
		return defaultRegistry
	}
	return defaultRegistryNoSQLite
}

// RegisterTyped adds an entry kind whose config is a C to the
// process-wide kind table, like database/sql.Register: Decode returns a C
// and New takes it (see registry.RegisterTyped). Call it from init; a
// duplicate name panics.
func RegisterTyped[C any](k registry.TypedKind[C]) { registry.RegisterTyped(k) }

// RegisterKind is RegisterTyped for a kind whose config is untyped
// (registry.Kind), kept for kinds not yet converted.
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

	meterProvider  metric.MeterProvider
	tracerProvider trace.TracerProvider
	storeSpans     bool
	// latencySampling records one call in latencySampling in the latency
	// histogram (0: the default per kind).
	latencySampling int
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
// the built-in stores, follow it; store.redis, and store.sql on PostgreSQL
// and MySQL, expire keys by the server's clock instead. Tests pass a clock
// they move by hand.
func WithClock(cl Clock) Option { return func(c *config) { c.clock = cl } }

// Runtime is a booted registry plus everything needed to run Lua against
// it. It is safe for concurrent use.
type Runtime struct {
	sup      *supervisor
	logger   *slog.Logger
	sandbox  bool
	preloads map[string]LuaLoader
	docs     map[string]ModuleDoc // descriptions given to PreloadModule
	pool     statePool
	chunks   chunkCache
	tel      *telemetry // nil: no OpenTelemetry provider passed

	memoryLimit int64 // default cap of a run, bytes; 0 = none

	runDefaults []RunOption
	// sec holds the registry's policies and runDefaults resolved against
	// them; Reload replaces it.
	sec atomic.Pointer[secState]

	closeOnce sync.Once
	closeErr  error

	// reloading holds the registry sources and env lookup and is held by
	// the one Reload that may run at a time.
	reloading chan reloadSources
}

// reloadSources is what Reload reads a registry from.
type reloadSources struct {
	sources []func() ([]registry.Source, error)
	getenv  func(string) (string, bool)
	clock   Clock
}

// New loads and validates the registry (the built-in default when no
// registry option is given), builds every entry and starts the auto_start
// ones in dependency order. A registry that cannot be read, loaded or
// built is returned as a *RegistryError; errors.As finds in it the
// *registry.Error listing every problem, when there is one. A failed boot
// is returned as is.
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
			return []registry.Source{{Name: defaultRegistryName, Data: DefaultRegistry()}}, nil
		})
	}
	reg, err := loadRegistry(c.sources, c.getenv)
	if err != nil {
		return nil, &RegistryError{Err: err}
	}
	tel, err := newTelemetry(&c)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	rt := &Runtime{sandbox: c.sandbox, preloads: c.preloads, docs: map[string]ModuleDoc{}, memoryLimit: c.memoryLimit,
		reloading: make(chan reloadSources, 1), tel: tel}
	rt.reloading <- reloadSources{sources: c.sources, getenv: c.getenv, clock: c.clock}
	rt.sup = newSupervisor(map[string]*unit{}, c.clock, rand.Float64, nil)
	rt.sup.view.Store(&view{reg: reg, units: map[string]*unit{}})
	// Values from the environment never reach a log line.
	rt.logger = newRedactLogger(c.logger, rt.redact)
	rt.sup.logger = rt.logger
	rt.sup.redact = rt.redact
	rt.sup.tel = tel
	rt.logWarnings(reg)
	units, err := rt.buildUnits(reg, c.clock, func(*registry.Entry) *unit { return nil })
	if err != nil {
		return nil, &RegistryError{Err: err}
	}
	rt.runDefaults = c.runDefaults
	st, err := rt.newSecState(reg)
	if err != nil {
		return nil, err
	}
	rt.sec.Store(st)
	rt.sup.view.Store(&view{reg: reg, units: units})
	if err := tel.observe(rt, c.meterProvider); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	if !c.noBoot {
		if err := rt.sup.boot(ctx, reg.Order()); err != nil {
			tel.close()
			return nil, err
		}
	}
	return rt, nil
}

// RegistryError is returned by New and Reload when the registry cannot be
// used: a path that cannot be read (missing, not a regular file, a folder
// without *.yaml files), a *registry.Error listing invalid entries, or an
// entry whose kind rejects its config. New started nothing; Reload changed
// nothing. Err says which path or entry.
type RegistryError struct{ Err error }

func (e *RegistryError) Error() string { return e.Err.Error() }

// Message is e as the luahost command prints it: "invalid registry" and
// what is wrong; for a *registry.Error the count of problems, then each
// on its own indented line with its file:line:col.
func (e *RegistryError) Message() string {
	var re *registry.Error
	if errors.As(e.Err, &re) {
		plural := "s"
		if len(re.Problems) == 1 {
			plural = ""
		}
		return fmt.Sprintf("invalid registry, %d problem%s:\n  %s", len(re.Problems), plural,
			strings.ReplaceAll(re.Error(), "\n", "\n  "))
	}
	return "invalid registry: " + e.Err.Error()
}

// Unwrap returns Err, so errors.As finds a *registry.Error in it.
func (e *RegistryError) Unwrap() error { return e.Err }

// loadRegistry reads every source and loads them as one registry.
func loadRegistry(getters []func() ([]registry.Source, error), getenv func(string) (string, bool)) (*registry.Registry, error) {
	var sources []registry.Source
	for _, get := range getters {
		s, err := get()
		if err != nil {
			return nil, err
		}
		sources = append(sources, s...)
	}
	return registry.Load(sources, registry.Options{Getenv: getenv})
}

func (rt *Runtime) logWarnings(reg *registry.Registry) {
	for _, w := range reg.Warnings() {
		attrs := []any{"warning", w.Msg, "at", w.Pos.String()}
		if w.EntryID != "" {
			attrs = append([]any{"entry", w.EntryID}, attrs...)
		}
		rt.logger.Warn("registry warning", attrs...)
	}
}

// buildUnits builds a unit for every entry of reg, in dependency order,
// taking the unit keep returns instead when it returns one. Building
// starts nothing, so a failure leaves nothing to undo; the error joins
// one error per entry that could not be built.
func (rt *Runtime) buildUnits(reg *registry.Registry, clock Clock, keep func(*registry.Entry) *unit) (map[string]*unit, error) {
	units := map[string]*unit{}
	var buildErrs []error
	for _, e := range reg.Order() { // dependencies are built first
		if u := keep(e); u != nil {
			units[e.ID] = u
			continue
		}
		kind, ok := registry.LookupKind(e.Kind)
		if !ok {
			// The loader rejects unknown kinds; this is a registry bug.
			return nil, fmt.Errorf("entry %s: kind %q is not registered", e.ID, e.Kind)
		}
		env := registry.Env{
			Entry:  e,
			Logger: rt.logger.With("entry", e.ID),
			Dep: func(id string) registry.Component {
				if d, ok := units[id]; ok {
					return d.comp
				}
				return nil
			},
			Clock: clock,
		}
		comp, err := kind.New(e.Config, env)
		if err != nil {
			buildErrs = append(buildErrs, redactErr(reg.Redact, fmt.Errorf("%s: %s: %w", e.Pos, e.ID, err)))
			continue
		}
		u := newUnit(e, comp)
		u.state.Phase = Stopped
		units[e.ID] = u
	}
	if len(buildErrs) > 0 {
		return nil, errors.Join(buildErrs...)
	}
	linkUnits(units)
	return units, nil
}

// redact removes from s every value the current registry, or the one
// before the last reload, took from the environment.
func (rt *Runtime) redact(s string) string { return rt.redactExcept(s) }

// redactExcept is redact leaving alone the strings own (what a script
// passed to the call that failed; see registry.Registry.RedactExcept).
// Neither pass matches inside the other's masks, so they never nest.
func (rt *Runtime) redactExcept(s string, own ...string) string {
	v := rt.sup.view.Load()
	s = v.reg.RedactExcept(s, own...)
	if v.prevRedact != nil {
		s = v.prevRedact(s, own...)
	}
	return s
}

// reg returns the current registry.
func (rt *Runtime) reg() *registry.Registry { return rt.sup.view.Load().reg }

// Close stops every running entry in reverse dependency order, each within
// its stop_timeout and ctx, ends starts and retries in flight, and waits
// (bounded by ctx) for every goroutine the runtime started. The error
// joins one error per entry that did not stop. It is idempotent: later
// calls return the first call's error.
func (rt *Runtime) Close(ctx context.Context) error {
	rt.closeOnce.Do(func() {
		rt.pool.close()
		rt.closeErr = rt.sup.shutdown(ctx)
		rt.tel.close()
	})
	return rt.closeErr
}

// Registry returns the loaded registry.
func (rt *Runtime) Registry() *registry.Registry { return rt.reg() }

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
	v := rt.sup.view.Load()
	var out []EntryState
	for _, e := range v.reg.Entries() {
		st := rt.sup.unitState(v.units[e.ID])
		if st.Phase == "" {
			st.Phase = Stopped
		}
		out = append(out, EntryState{Entry: e, State: st})
	}
	return out
}

// Start starts an entry and its dependencies if they are not running, and
// waits for the start. The start runs under the runtime, bounded by the
// entry's start_timeout: when ctx ends first, Start returns an error
// matching ctx.Err() and the start goes on for later callers. An entry
// that cannot start gives an *UnavailableError.
func (rt *Runtime) Start(ctx context.Context, id string) error {
	u := rt.sup.unit(id)
	if u == nil {
		return rt.notFound(id)
	}
	return rt.sup.ensureUnit(ctx, u)
}

// backendStore returns the store with that ID, starting it when needed. It
// is the resolver behind the Lua store.get. The store follows the entry
// through reloads: each call uses the entry's running instance (see
// storeProxy).
func (rt *Runtime) backendStore(ctx context.Context, id string) (backends.Store, error) {
	return rt.backendStoreVisible(ctx, id, visibleIn(ctx))
}

// backendStoreVisible is backendStore whose errors name no entry other
// than id for which visible (nil: every entry) returns false.
func (rt *Runtime) backendStoreVisible(ctx context.Context, id string, visible func(string) bool) (backends.Store, error) {
	u, err := rt.runningStore(ctx, id, visible)
	if err != nil {
		return nil, err
	}
	if rt.tel.instrumented() {
		return rt.tel.measure(id, u.e().Kind, newStoreProxy(rt, u)), nil
	}
	return newStoreProxy(rt, u), nil
}

// runningStore returns the unit of store id in the current view once it is
// running. Its errors name no other entry for which visible (nil: every
// entry) returns false.
func (rt *Runtime) runningStore(ctx context.Context, id string, visible func(string) bool) (*unit, error) {
	if !registry.ValidID(id) {
		return nil, backends.Errorf(backends.ErrInvalid, "malformed store ID %q: want \"namespace:name\"", id)
	}
	u := rt.sup.unit(id)
	if u == nil {
		return nil, rt.notFoundVisible(id, visible)
	}
	if u.st == nil {
		return nil, backends.Errorf(backends.ErrInvalid, "entry %s is a %s, not a store", id, u.e().Kind)
	}
	if err := rt.sup.ensureUnit(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

func (rt *Runtime) notFound(id string) error { return rt.notFoundVisible(id, nil) }

// notFoundVisible is the NOT_FOUND error of id, whose "did you mean" names
// only entries for which visible (nil: every entry) returns true.
func (rt *Runtime) notFoundVisible(id string, visible func(string) bool) error {
	msg := fmt.Sprintf("no entry %q in the registry", id)
	if rt.noSQLiteDefault(id) {
		return backends.Errorf(backends.ErrNotFound, "%s: the built-in registry has %s only when luahost is built with cgo, which SQLite needs; "+
			"this binary was built without (CGO_ENABLED=0)", msg, id)
	}
	similar := rt.reg().Similar(id)
	if visible != nil {
		similar = rt.reg().SimilarWhere(id, visible)
	}
	if len(similar) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", quoteList(similar))
	}
	return backends.Errorf(backends.ErrNotFound, "%s", msg)
}

// noSQLiteDefault reports whether id is an entry of the built-in registry
// that this binary, without SQLite, left out of the built-in registry it
// runs.
func (rt *Runtime) noSQLiteDefault(id string) bool {
	if sqliteAvailable() || !slices.Contains(sqliteDefaultIDs, id) {
		return false
	}
	e, ok := rt.reg().Entry("app:cache")
	return ok && e.Pos.File == defaultRegistryName
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

func (r storeResolver) StoreVisible(ctx context.Context, id string, visible func(string) bool) (backends.Store, error) {
	return r.rt.backendStoreVisible(ctx, id, visible)
}

var _ luamod.ScopedResolver = storeResolver{}

// visibleIn returns which store IDs the run of ctx may learn of: those its
// scope lets it open (store.get), or nil (all) when it has no scope.
func visibleIn(ctx context.Context) func(string) bool {
	sc := security.FromContext(ctx)
	if !sc.Checked() {
		return nil
	}
	return func(id string) bool { return sc.Can(luamod.ActionStoreGet, id, nil) }
}
