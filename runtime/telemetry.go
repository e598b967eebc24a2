package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/registry"
)

// Instrumentation scope and the names of the metrics, spans and attributes
// the runtime reports through OpenTelemetry. They follow the OpenTelemetry
// naming conventions (dot-separated namespaces, units in UCUM, durations in
// seconds); error.type is the OpenTelemetry semantic-conventions attribute.
const (
	// ScopeName is the instrumentation scope of every meter and tracer
	// the runtime creates.
	ScopeName = "github.com/luahost/luahost/runtime"

	// MetricStoreOperations counts store calls (unit {operation}) by
	// store ID, operation and outcome.
	MetricStoreOperations = "luahost.store.operations"
	// MetricStoreOperationDuration is the latency of store calls in
	// seconds (unit s), by store ID and operation.
	MetricStoreOperationDuration = "luahost.store.operation.duration"
	// MetricEntryTransitions counts lifecycle state changes of entries
	// (unit {transition}) by entry ID, kind, previous and new state.
	MetricEntryTransitions = "luahost.entry.transitions"
	// MetricEntries is the number of the registry's entries (unit
	// {entry}) by kind and state: an observable up-down counter, as
	// OpenTelemetry counts things in a state (the sum over states is the
	// number of entries), named as its conventions name one
	// (system.process.count).
	MetricEntries = "luahost.entry.count"

	// SpanRun is the name of the span of one script run.
	SpanRun = "luahost.run"
	// SpanStorePrefix followed by the operation ("luahost.store.get") is
	// the name of the span of one store call.
	SpanStorePrefix = "luahost.store."

	// AttrStoreID is a store's registry ID ("app:cache").
	AttrStoreID = "luahost.store.id"
	// AttrStoreOperation is the store method, as Lua names it: get, set,
	// delete, exists, clear, entry, put, list, incr, ttl, expire, info.
	AttrStoreOperation = "luahost.store.operation"
	// AttrStoreOutcome is "ok" or the error kind of a failed call
	// (NotFound, Invalid, Unavailable, ...; see the errors module).
	AttrStoreOutcome = "luahost.store.outcome"
	// AttrEntryID is an entry's registry ID.
	AttrEntryID = "luahost.entry.id"
	// AttrEntryKind is an entry's kind ("store.memory").
	AttrEntryKind = "luahost.entry.kind"
	// AttrEntryState is an entry's lifecycle state (see Phase).
	AttrEntryState = "luahost.entry.state"
	// AttrEntryPreviousState is the state an entry left.
	AttrEntryPreviousState = "luahost.entry.previous_state"
	// AttrScriptName is the chunk name of a run (Script.Name, a file
	// path for RunFile, the Program's name for Call, the chunk name of the
	// function a Session calls); absent when the run has none (RunString,
	// Do).
	AttrScriptName = "luahost.script.name"
	// AttrErrorType is the error kind of a failed run or store call, as
	// OpenTelemetry's error.type.
	AttrErrorType = "error.type"

	outcomeOK = "ok"

	// DefaultMemoryLatencySampling is how many calls on a store.memory
	// store the latency histogram has one of, unless
	// WithStoreLatencySampling says otherwise.
	DefaultMemoryLatencySampling = 64
)

// WithMeterProvider makes the runtime report store call counts and
// latencies and entry lifecycle changes through mp (OpenTelemetry). Without
// it the runtime records no metrics (the global provider is not used).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meterProvider = mp }
}

// WithTracerProvider makes the runtime trace each script run (Run,
// RunFile, RunString, Call, Do, Session.Call) as a span, and each store call too with
// WithStoreCallSpans, through tp (OpenTelemetry). Without it the runtime
// starts no spans (the global provider is not used).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tracerProvider = tp }
}

// WithStoreLatencySampling makes the latency histogram record one store
// call in n of each store and operation (n a power of two; 1 records
// every call). By default it records every call, except on store.memory
// stores, where it records one in DefaultMemoryLatencySampling: timing
// and recording a call costs more than a call on store.memory does. The
// operations counter counts every call either way.
func WithStoreLatencySampling(n int) Option {
	return func(c *config) { c.latencySampling = n }
}

// WithStoreCallSpans adds a span per store call, a child of the run's
// span, when a tracer provider is set. Off by default: a store loop makes
// one span per call.
func WithStoreCallSpans() Option { return func(c *config) { c.storeSpans = true } }

// Store operations, as Lua names the methods.
type storeOp int

const (
	opGet storeOp = iota
	opSet
	opDelete
	opExists
	opClear
	opEntry
	opPut
	opList
	opIncr
	opTTL
	opExpire
	opInfo
	numOps
)

var opNames = [numOps]string{"get", "set", "delete", "exists", "clear", "entry", "put", "list", "incr", "ttl", "expire", "info"}

// telemetry holds the runtime's instruments. A nil *telemetry records
// nothing; the runtime has one only when a provider was passed.
type telemetry struct {
	tracer     trace.Tracer // nil: no spans
	storeSpans bool

	metered     bool   // false: no metrics
	sampleMask  uint64 // a call is timed when its number & sampleMask == 0
	sampleSet   bool   // sampleMask applies to every store
	ops         metric.Int64ObservableCounter
	dur         metric.Float64Histogram
	transitions metric.Int64Counter
	regs        []metric.Registration // callbacks to end at close

	stores sync.Map // store ID -> *storeMetrics
}

// durationBuckets are the histogram bounds in seconds: from 10µs (a memory
// store) to 10s (a database call at its timeout).
var durationBuckets = []float64{0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// newTelemetry returns the instruments for c's providers, or nil when c
// has none.
func newTelemetry(c *config) (*telemetry, error) {
	if c.meterProvider == nil && c.tracerProvider == nil {
		return nil, nil
	}
	t := &telemetry{}
	if c.tracerProvider != nil {
		t.tracer = c.tracerProvider.Tracer(ScopeName)
		t.storeSpans = c.storeSpans
	}
	if c.meterProvider == nil {
		return t, nil
	}
	m := c.meterProvider.Meter(ScopeName)
	t.metered = true
	if n := c.latencySampling; n != 0 {
		if n < 1 || n&(n-1) != 0 {
			return nil, fmt.Errorf("latency sampling %d is not a power of two", n)
		}
		t.sampleMask, t.sampleSet = uint64(n-1), true
	}
	var err error
	// Calls are counted in the runtime and read at collection: an atomic
	// add per call instead of the SDK's attribute lookup.
	if t.ops, err = m.Int64ObservableCounter(MetricStoreOperations, metric.WithUnit("{operation}"),
		metric.WithDescription("Store calls by store, operation and outcome.")); err != nil {
		return nil, err
	}
	if t.dur, err = m.Float64Histogram(MetricStoreOperationDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of store calls."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if t.transitions, err = m.Int64Counter(MetricEntryTransitions, metric.WithUnit("{transition}"),
		metric.WithDescription("Lifecycle state changes of entries.")); err != nil {
		return nil, err
	}
	return t, nil
}

// observe registers the callbacks of the observable instruments: the
// store call counts, and the count of entries per kind and state read
// from rt. close ends them.
func (t *telemetry) observe(rt *Runtime, mp metric.MeterProvider) error {
	if t == nil || mp == nil {
		return nil
	}
	m := mp.Meter(ScopeName)
	reg, err := m.RegisterCallback(t.observeOps, t.ops)
	if err != nil {
		return err
	}
	t.regs = append(t.regs, reg)
	g, err := m.Int64ObservableUpDownCounter(MetricEntries, metric.WithUnit("{entry}"),
		metric.WithDescription("Entries of the registry by kind and lifecycle state."))
	if err != nil {
		t.close()
		return err
	}
	reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		type key struct{ kind, state string }
		counts := map[key]int64{}
		for _, es := range rt.States() {
			counts[key{es.Entry.Kind, string(es.State.Phase)}]++
		}
		for k, n := range counts {
			o.ObserveInt64(g, n, metric.WithAttributes(attribute.String(AttrEntryKind, k.kind), attribute.String(AttrEntryState, k.state)))
		}
		return nil
	}, g)
	if err != nil {
		t.close()
		return err
	}
	t.regs = append(t.regs, reg)
	return nil
}

// observeOps reports the store call counts.
func (t *telemetry) observeOps(_ context.Context, o metric.Observer) error {
	t.stores.Range(func(_, v any) bool {
		m := v.(*storeMetrics)
		for i := range m.ops {
			op := &m.ops[i]
			if n := op.ok.Load(); n > 0 {
				o.ObserveInt64(t.ops, n, op.okAttrs...)
			}
			op.failed.Range(func(_, v any) bool {
				f := v.(*failedCount)
				o.ObserveInt64(t.ops, f.n.Load(), f.attrs...)
				return true
			})
		}
		return true
	})
	return nil
}

// close ends the instruments' callbacks.
func (t *telemetry) close() {
	if t == nil {
		return
	}
	for _, r := range t.regs {
		_ = r.Unregister()
	}
}

// transition records that entry e went from one state to another.
func (t *telemetry) transition(e *registry.Entry, from, to Phase) {
	if t == nil || t.transitions == nil {
		return
	}
	t.transitions.Add(context.Background(), 1, metric.WithAttributes(
		attribute.String(AttrEntryID, e.ID),
		attribute.String(AttrEntryKind, e.Kind),
		attribute.String(AttrEntryPreviousState, string(from)),
		attribute.String(AttrEntryState, string(to)),
	))
}

// noEnd ends a run that has no span.
func noEnd(error) {}

// startRun starts the span of a script run named name ("" when it has
// none) and returns the context carrying it and the function that ends
// it with the run's error.
func (t *telemetry) startRun(ctx context.Context, name string) (context.Context, func(error)) {
	if t == nil || t.tracer == nil {
		return ctx, noEnd
	}
	var opts []trace.SpanStartOption
	if name != "" {
		opts = append(opts, trace.WithAttributes(attribute.String(AttrScriptName, name)))
	}
	ctx, span := t.tracer.Start(ctx, SpanRun, opts...)
	return ctx, func(err error) { endSpan(span, err) }
}

// endSpan ends span, marking it failed with the error's kind. The error's
// message is not recorded: it may quote keys or values.
func endSpan(span trace.Span, err error) {
	if err != nil {
		kind := errorKind(err)
		span.SetAttributes(attribute.String(AttrErrorType, kind))
		span.SetStatus(codes.Error, kind)
	}
	span.End()
}

// errorKind is the kind of a failed call, as scripts see it.
func errorKind(err error) string {
	if se := (*SyntaxError)(nil); errors.As(err, &se) {
		return luamod.KindInvalid // the caller's code, not the host, is at fault
	}
	if k := luamod.KindOf(err); k != "" {
		return k
	}
	return luamod.KindInternal
}

// storeMetrics are the precomputed measurement options of one store, so a
// call records without building attribute sets.
type storeMetrics struct {
	id  string
	ops [numOps]opMetrics
}

type opMetrics struct {
	dur      []metric.RecordOption
	calls    atomic.Uint64 // calls begun, for sampling
	ok       atomic.Int64  // calls that succeeded
	okAttrs  []metric.ObserveOption
	failed   sync.Map // error kind -> *failedCount
	spanName string
	spanOpts []trace.SpanStartOption
}

// failedCount counts the calls of one operation that failed with one kind.
type failedCount struct {
	n     atomic.Int64
	attrs []metric.ObserveOption
}

// sampleMaskFor returns the sampling mask of a store of kind.
func (t *telemetry) sampleMaskFor(kind string) uint64 {
	if t.sampleSet || kind != "store.memory" {
		return t.sampleMask
	}
	return DefaultMemoryLatencySampling - 1
}

// storeMetrics returns the options of store id, built on first use.
func (t *telemetry) storeMetrics(id string) *storeMetrics {
	if m, ok := t.stores.Load(id); ok {
		return m.(*storeMetrics)
	}
	m := &storeMetrics{id: id}
	for op := range numOps {
		name := opNames[op]
		base := []attribute.KeyValue{attribute.String(AttrStoreID, id), attribute.String(AttrStoreOperation, name)}
		o := &m.ops[op]
		o.dur = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(base...))}
		o.okAttrs = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(append(base, attribute.String(AttrStoreOutcome, outcomeOK))...))}
		o.spanName = SpanStorePrefix + name
		o.spanOpts = []trace.SpanStartOption{trace.WithAttributes(base...)}
	}
	got, _ := t.stores.LoadOrStore(id, m)
	return got.(*storeMetrics)
}

// failedCount returns the count of calls that failed with kind.
func (o *opMetrics) failedCount(m *storeMetrics, op storeOp, kind string) *failedCount {
	if v, ok := o.failed.Load(kind); ok {
		return v.(*failedCount)
	}
	f := &failedCount{attrs: []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(
		attribute.String(AttrStoreID, m.id),
		attribute.String(AttrStoreOperation, opNames[op]),
		attribute.String(AttrStoreOutcome, kind)))}}
	v, _ := o.failed.LoadOrStore(kind, f)
	return v.(*failedCount)
}

// instrumented reports whether store calls are measured or traced.
func (t *telemetry) instrumented() bool {
	return t != nil && (t.metered || (t.tracer != nil && t.storeSpans))
}

// storeCall is one store call being measured.
type storeCall struct {
	t     *telemetry
	m     *storeMetrics
	op    storeOp
	start time.Time
	span  trace.Span
}

// begin starts measuring a call of op on the store m, returning the
// context the call runs under (carrying its span, if any).
// A call is timed when the op's call number & mask is 0.
func (t *telemetry) begin(ctx context.Context, m *storeMetrics, op storeOp, mask uint64) (context.Context, storeCall) {
	c := storeCall{t: t, m: m, op: op}
	if t.storeSpans {
		o := &m.ops[op]
		ctx, c.span = t.tracer.Start(ctx, o.spanName, o.spanOpts...)
	}
	if t.metered && (mask == 0 || m.ops[op].calls.Add(1)&mask == 0) {
		c.start = time.Now()
	}
	return ctx, c
}

// end records the call's outcome and duration and ends its span.
func (c storeCall) end(ctx context.Context, err error) {
	if c.t.metered {
		o := &c.m.ops[c.op]
		if !c.start.IsZero() {
			c.t.dur.Record(ctx, time.Since(c.start).Seconds(), o.dur...)
		}
		if err == nil {
			o.ok.Add(1)
		} else {
			o.failedCount(c.m, c.op, errorKind(err)).n.Add(1)
		}
	}
	if c.span != nil {
		endSpan(c.span, err)
	}
}
