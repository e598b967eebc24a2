package storebench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/runtime"
)

// Op is a benchmarked store operation.
type Op string

// The operations, named as on the command line.
const (
	// OpSet is s:set(key, value) with no TTL.
	OpSet Op = "set"
	// OpGet is s:get(key) of a key the benchmark wrote before timing.
	OpGet Op = "get"
	// OpIncr is s:incr(counter) by 1, on counter keys of its own.
	OpIncr Op = "incr"
	// OpPutIfVersion is an optimistic update: s:entry(key) to read the
	// version, then s:put(key, value, {if_version = version}). One call
	// counts both; a CONFLICT (another client wrote the key between the
	// two) is counted as a conflict, not an error.
	OpPutIfVersion Op = "put-if-version"
	// OpList is s:list({prefix = data prefix, after = key, limit =
	// ListLimit}): one page starting at a random key.
	OpList Op = "list"
)

// Ops lists every operation, in the order phases run by default.
var Ops = []Op{OpSet, OpGet, OpIncr, OpPutIfVersion, OpList}

// needsData reports whether op reads the data keys, which are written
// before timing starts.
func (op Op) needsData() bool { return op == OpGet || op == OpPutIfVersion || op == OpList }

// Weight is one operation of a mixed workload and its share of the calls.
type Weight struct {
	Op     Op
	Weight int
}

// ParseOps parses a comma-separated list of operations such as
// "set,get,incr". An unknown or repeated name is an error naming it.
func ParseOps(s string) ([]Op, error) {
	var out []Op
	seen := map[Op]bool{}
	for _, f := range strings.Split(s, ",") {
		op, err := parseOp(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		if seen[op] {
			return nil, fmt.Errorf("operation %q is listed twice", op)
		}
		seen[op] = true
		out = append(out, op)
	}
	return out, nil
}

// ParseMix parses a mixed workload such as "get=90,set=10": operations
// with positive integer weights (relative shares, not necessarily summing
// to 100).
func ParseMix(s string) ([]Weight, error) {
	var out []Weight
	seen := map[Op]bool{}
	for _, f := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return nil, fmt.Errorf("%q: want op=weight, e.g. get=90", f)
		}
		op, err := parseOp(name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q: the weight must be a positive integer", f)
		}
		if seen[op] {
			return nil, fmt.Errorf("operation %q is listed twice", op)
		}
		seen[op] = true
		out = append(out, Weight{Op: op, Weight: n})
	}
	return out, nil
}

func parseOp(s string) (Op, error) {
	for _, op := range Ops {
		if string(op) == s {
			return op, nil
		}
	}
	names := make([]string, len(Ops))
	for i, op := range Ops {
		names[i] = string(op)
	}
	return "", fmt.Errorf("unknown operation %q: want one of %s", s, strings.Join(names, ", "))
}

func mixName(mix []Weight) string {
	parts := make([]string, len(mix))
	for i, w := range mix {
		parts[i] = fmt.Sprintf("%s=%d", w.Op, w.Weight)
	}
	return "mix " + strings.Join(parts, ",")
}

// Config is a benchmark to run. Zero values are not defaults: the luahost
// command sets its own defaults; Validate says what is missing.
type Config struct {
	// Store is the registry ID of the store entry, e.g. "app:cache".
	Store string
	// Ops run one phase each, in order. Ignored when Mix is set.
	Ops []Op
	// Mix, when set, runs one phase mixing these operations by weight.
	Mix []Weight
	// Keys is how many distinct keys the calls spread over, uniformly
	// (1 to MaxKeys). Memory grows by one bit per key, not by a name.
	Keys int
	// ValueSize is the length in bytes of the string value each write
	// stores.
	ValueSize int
	// Clients is how many clients call the store at once.
	Clients int
	// Duration is how long each phase runs; 0 means until Requests.
	Duration time.Duration
	// Requests, when positive, ends a phase after this many calls in all
	// (spread evenly over the clients).
	Requests int64
	// Prefix starts every key the benchmark writes, e.g. "bench:".
	Prefix string
	// ListLimit is the page size of OpList (1 to 1000).
	ListLimit int
	// Lua runs each client as a Lua state calling the store module.
	Lua bool
	// LuaBatch is how many calls a Lua client makes per timed batch.
	LuaBatch int
	// Keep leaves the benchmark's keys in the store at the end.
	Keep bool
	// Progress, when set, is called about every ProgressEvery while a
	// phase runs, and once at its end with Done set; likewise while the
	// keys are written before timing and deleted at the end (Phase
	// "write keys before timing", "delete keys", "delete counters").
	Progress func(Progress)
	// ProgressEvery is the interval between Progress calls (0: 200ms).
	ProgressEvery time.Duration
}

// Progress is the state of a running phase.
type Progress struct {
	Phase   string
	Elapsed time.Duration
	Ops     int64 // calls finished so far, by every client
	Errors  int64
	Done    bool
}

// Limits on Config values.
const (
	MaxKeys    = 100_000_000
	MaxClients = 10_000
	MaxValue   = 64 << 20
)

// Validate reports every problem with c, joined, each naming the field.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Store == "" {
		add("store: want a store ID such as app:cache")
	}
	if len(c.Ops) == 0 && len(c.Mix) == 0 {
		add("ops: want at least one operation")
	}
	if c.Keys < 1 || c.Keys > MaxKeys {
		add("keys %d: want 1 to %d", c.Keys, MaxKeys)
	}
	if c.ValueSize < 0 || c.ValueSize > MaxValue {
		add("value size %d: want 0 to %d bytes", c.ValueSize, MaxValue)
	}
	if c.Clients < 1 || c.Clients > MaxClients {
		add("clients %d: want 1 to %d", c.Clients, MaxClients)
	}
	if c.Duration < 0 {
		add("duration %s: want a positive duration", c.Duration)
	}
	if c.Requests < 0 {
		add("requests %d: want a positive count", c.Requests)
	}
	if c.Duration == 0 && c.Requests == 0 {
		add("duration and requests are both 0: set one of them")
	}
	if c.Prefix == "" {
		add("prefix: want a non-empty key prefix, e.g. bench:")
	}
	if c.ListLimit < 1 || c.ListLimit > backends.MaxListLimit {
		add("list limit %d: want 1 to %d", c.ListLimit, backends.MaxListLimit)
	}
	if c.Lua && c.LuaBatch < 1 {
		add("lua batch %d: want at least 1", c.LuaBatch)
	}
	return errors.Join(errs...)
}

// phases returns the phases c runs.
func (c *Config) phases() []phaseSpec {
	if len(c.Mix) > 0 {
		return []phaseSpec{{name: mixName(c.Mix), mix: c.Mix, mixed: true}}
	}
	out := make([]phaseSpec, len(c.Ops))
	for i, op := range c.Ops {
		out[i] = phaseSpec{name: string(op), mix: []Weight{{Op: op, Weight: 1}}}
	}
	return out
}

type phaseSpec struct {
	name  string
	mix   []Weight
	mixed bool // from Config.Mix, even of one operation
}

// UsageError is returned by Run when the benchmark cannot run as asked:
// an invalid Config, an ID naming no store, an operation the store does
// not support. Nothing has been written.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *UsageError) Unwrap() error { return e.Err }

// Result is what a benchmark measured. Its JSON form is the document
// `luahost bench --json` prints; durations are in seconds, latencies in
// microseconds.
type Result struct {
	Store     string  `json:"store"`
	Kind      string  `json:"kind"`
	Backend   string  `json:"backend,omitempty"`
	Level     string  `json:"level"` // "go" or "lua"
	Keys      int     `json:"keys"`
	ValueSize int     `json:"value_size"`
	Clients   int     `json:"clients"`
	Duration  float64 `json:"duration_s"` // per phase; 0: until Requests
	Requests  int64   `json:"requests,omitempty"`
	Prefix    string  `json:"prefix"`
	ListLimit int     `json:"list_limit"`
	LuaBatch  int     `json:"lua_batch,omitempty"`
	Phases    []Phase `json:"phases"`
}

// Phase is one phase: a single operation, or a mix with one Stats per
// operation in ByOp.
type Phase struct {
	Name    string  `json:"name"`
	Elapsed float64 `json:"elapsed_s"`
	Stats
	ByOp []Stats `json:"by_op,omitempty"`
}

// Stats are the figures of one operation (or of a whole mixed phase, Op
// "mix").
type Stats struct {
	Op        string  `json:"op"`
	Ops       int64   `json:"ops"` // calls made, failed ones included
	OpsPerSec float64 `json:"ops_per_sec"`
	Errors    int64   `json:"errors"`
	// Conflicts are put-if-version calls refused with CONFLICT.
	Conflicts  int64  `json:"conflicts"`
	FirstError string `json:"first_error,omitempty"`
	// Latency is nil for the operations of a mix at the Lua level, which
	// is timed in batches of mixed calls.
	Latency *Latency `json:"latency_us"`
}

// Latency summarises call latencies, in microseconds.
type Latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Failed returns the number of failed calls over all phases.
func (r *Result) Failed() int64 {
	var n int64
	for _, p := range r.Phases {
		n += p.Errors
	}
	return n
}

// target is the store under test.
type target struct {
	id   string
	st   backends.Store
	ext  backends.Extended // nil without the extended methods
	info backends.Info
	// data and ctrs hold the numbers of the data keys and counter keys
	// the benchmark may have written, which cleanup deletes; nil with
	// Config.Keep, or when no phase writes keys of that kind.
	data, ctrs *keySet
	listFrom   string // the prefix of data keys, "<prefix>k:"
	value      []byte // MessagePack string of ValueSize bytes
	raw        string // the string itself, for Lua
	cfg        *Config
}

// Run runs the benchmark cfg against rt's store cfg.Store and returns what
// it measured. Errors that are the caller's (a bad Config, an unknown
// store, an unsupported operation) are *UsageError. Failed store calls
// do not stop the benchmark: they are counted in the Result. Unless
// cfg.Keep is set, the benchmark's keys are deleted before Run returns,
// even when ctx is canceled.
func Run(ctx context.Context, rt *runtime.Runtime, cfg Config) (_ *Result, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, &UsageError{Err: err}
	}
	t, err := open(ctx, rt, &cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Store: cfg.Store, Kind: t.info.Kind, Backend: t.info.Backend, Level: "go",
		Keys: cfg.Keys, ValueSize: cfg.ValueSize, Clients: cfg.Clients,
		Duration: cfg.Duration.Seconds(), Requests: cfg.Requests, Prefix: cfg.Prefix,
		ListLimit: cfg.ListLimit,
	}
	if cfg.Lua {
		res.Level, res.LuaBatch = "lua", cfg.LuaBatch
	}
	if res.Kind == "" {
		if e, ok := rt.Registry().Entry(cfg.Store); ok {
			res.Kind = e.Kind
		}
	}
	var wroteData, wroteCtrs bool
	defer func() {
		if !cfg.Keep {
			err = errors.Join(err, t.cleanup(context.WithoutCancel(ctx), wroteData, wroteCtrs))
		}
	}()
	filled := false
	for _, ph := range cfg.phases() {
		for _, w := range ph.mix {
			wroteData = wroteData || w.Op != OpIncr
			wroteCtrs = wroteCtrs || w.Op == OpIncr
			if w.Op.needsData() && !filled {
				if err := t.fill(ctx); err != nil {
					return nil, err
				}
				filled = true
			}
		}
		p, err := t.runPhase(ctx, rt, ph)
		if err != nil {
			return nil, err
		}
		res.Phases = append(res.Phases, *p)
	}
	return res, nil
}

// open finds the store and checks it supports every operation asked for.
func open(ctx context.Context, rt *runtime.Runtime, cfg *Config) (*target, error) {
	kv, err := rt.Store(ctx, cfg.Store)
	if err != nil {
		if errors.Is(err, backends.ErrNotFound) || errors.Is(err, backends.ErrInvalid) {
			return nil, &UsageError{Err: fmt.Errorf("%w; %s", err, storeList(rt))}
		}
		return nil, err
	}
	st, err := kv.Raw(ctx)
	if err != nil {
		return nil, err
	}
	t := &target{id: cfg.Store, st: st, cfg: cfg}
	if ext, ok := st.(backends.Extended); ok {
		t.ext = ext
		if t.info, err = ext.Info(ctx); err != nil {
			return nil, fmt.Errorf("%s: info: %w", cfg.Store, err)
		}
	}
	var unsupported []error
	for _, ph := range cfg.phases() {
		for _, w := range ph.mix {
			if why := t.unsupported(w.Op); why != "" {
				unsupported = append(unsupported, fmt.Errorf("store %s does not support %s: %s", cfg.Store, w.Op, why))
			}
		}
	}
	if len(unsupported) > 0 {
		return nil, &UsageError{Err: errors.Join(unsupported...)}
	}
	if err := t.checkPrefix(ctx); err != nil {
		return nil, err
	}
	// Key names are made when needed; only one bit per key is kept, for
	// the cleanup (see keySet). Listing the prefix instead would need
	// a store that can list, and could not tell the benchmark's keys
	// from others written under the prefix during the run.
	if !cfg.Keep {
		for _, ph := range cfg.phases() {
			for _, w := range ph.mix {
				if w.Op == OpIncr && t.ctrs == nil {
					t.ctrs = newKeySet(cfg.Keys)
				} else if w.Op != OpIncr && t.data == nil {
					t.data = newKeySet(cfg.Keys)
				}
			}
		}
	}
	t.listFrom = cfg.Prefix + string(dataKind) + ":"
	t.raw = strings.Repeat("0123456789abcdef", cfg.ValueSize/16+1)[:cfg.ValueSize]
	if t.value, err = runtime.Marshal(t.raw); err != nil {
		return nil, err
	}
	return t, nil
}

// checkPrefix refuses a store that already holds keys under the
// benchmark's prefix, which the benchmark would overwrite and delete. A
// store without list cannot be checked.
func (t *target) checkPrefix(ctx context.Context) error {
	if t.ext == nil || !t.info.List {
		return nil
	}
	page, err := t.ext.List(ctx, backends.ListOptions{Prefix: t.cfg.Prefix, Limit: 1})
	if err != nil {
		return fmt.Errorf("%s: look for keys under %q: %w", t.id, t.cfg.Prefix, err)
	}
	if len(page.Items) > 0 {
		return &UsageError{Err: fmt.Errorf("store %s already holds keys under the prefix %q (%q, ...), which the benchmark would overwrite and delete: choose another --prefix, or delete them (left by a run with --keep?)",
			t.id, t.cfg.Prefix, page.Items[0].Key)}
	}
	return nil
}

// unsupported says why the store cannot run op, or "" when it can.
func (t *target) unsupported(op Op) string {
	switch op {
	case OpSet, OpGet:
		return ""
	}
	if t.ext == nil {
		return "it has only the core methods (get, set, delete, exists, clear)"
	}
	c := t.info.Capabilities
	switch {
	case op == OpIncr && !c.Incr:
		return "its capabilities.incr is false"
	case op == OpList && !c.List:
		return "its capabilities.list is false"
	case op == OpPutIfVersion && !(c.Versioned && c.ConditionalPut):
		return "it keeps no versions (capabilities.versioned is false; a store.sql entry needs version_column_name)"
	}
	return ""
}

// storeList names the registry's store entries, for an error message.
func storeList(rt *runtime.Runtime) string {
	var ids []string
	for _, e := range rt.Registry().Entries() {
		if strings.HasPrefix(e.Kind, "store.") {
			ids = append(ids, e.ID+" ("+e.Kind+")")
		}
	}
	if len(ids) == 0 {
		return "the registry has no store entries"
	}
	sort.Strings(ids)
	return "the registry's stores: " + strings.Join(ids, ", ")
}

// fill writes every data key before a phase that reads them, using every
// client.
func (t *target) fill(ctx context.Context) error {
	return t.forEachKey(ctx, "write keys before timing", dataKind, nil, func(ctx context.Context, i uint64, k string) error {
		t.wrote(t.data, i) // before the call: a failed write may still land
		if err := t.st.Set(ctx, k, t.value, 0); err != nil {
			return fmt.Errorf("%s: write %q before timing: %w", t.id, k, err)
		}
		return nil
	})
}

// wrote records that the benchmark may have written key i of set, which
// is nil when nothing is recorded (Config.Keep).
func (t *target) wrote(set *keySet, i uint64) {
	if set != nil {
		set.add(i)
	}
}

// cleanup deletes the keys the benchmark may have written: the data keys
// when data is set, the counters when ctrs is.
func (t *target) cleanup(ctx context.Context, data, ctrs bool) error {
	var errs []error
	del := func(ctx context.Context, _ uint64, k string) error {
		if _, err := t.st.Delete(ctx, k); err != nil {
			return fmt.Errorf("%s: delete benchmark key %q: %w", t.id, k, err)
		}
		return nil
	}
	if data && t.data != nil {
		errs = append(errs, t.forEachKey(ctx, "delete keys", dataKind, t.data, del))
	}
	if ctrs && t.ctrs != nil {
		errs = append(errs, t.forEachKey(ctx, "delete counters", counterKind, t.ctrs, del))
	}
	return errors.Join(errs...)
}

// untimedWorkers is the least number of goroutines that write the keys
// before timing and delete them after: on a database, the work is
// mostly round trips.
const untimedWorkers = 8

// forEachKey calls fn with the number and name of every key of kind in
// set (every key below Config.Keys when set is nil), from at least
// untimedWorkers goroutines, reporting progress as the work named name,
// and returns the first error, after which it stops.
func (t *target) forEachKey(ctx context.Context, name string, kind byte, set *keySet, fn func(ctx context.Context, i uint64, k string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var done atomic.Int64
	start := time.Now()
	stopProgress := t.progress(name, start, func() (int64, int64) { return done.Load(), 0 })
	n := uint64(max(t.cfg.Clients, untimedWorkers))
	keys := uint64(t.cfg.Keys)
	next := func(i uint64) uint64 {
		if set == nil {
			return i
		}
		return set.nextFrom(i, n)
	}
	for c := range n {
		wg.Go(func() {
			names := newKeyNamer(t.cfg.Prefix, t.cfg.Keys)
			for i := next(c); i < keys; i = next(i + n) {
				if ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i, names.name(kind, i)); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	stopProgress(time.Since(start))
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
