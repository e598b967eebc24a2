package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/luahost/luahost/runtime"
)

// metrics collects what reader holds.
func metrics(t *testing.T, reader sdkmetric.Reader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != runtime.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, runtime.ScopeName)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// attrKey renders a set's values for the keys asked, e.g. "get NotFound".
func attrKey(set attribute.Set, keys ...string) string {
	vals := make([]string, len(keys))
	for i, k := range keys {
		v, _ := set.Value(attribute.Key(k))
		vals[i] = v.String()
	}
	return strings.Join(vals, " ")
}

// sums returns a counter's points keyed by attrKey.
func sums(t *testing.T, data metricdata.Aggregation, keys ...string) map[string]int64 {
	t.Helper()
	sum, ok := data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("data is %T, want an int64 sum", data)
	}
	if !sum.IsMonotonic {
		t.Error("counter is not monotonic")
	}
	out := map[string]int64{}
	for _, p := range sum.DataPoints {
		out[attrKey(p.Attributes, keys...)] += p.Value
	}
	return out
}

func newMeasuredRuntime(t *testing.T, reg string, opts ...runtime.Option) (*runtime.Runtime, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	opts = append([]runtime.Option{runtime.WithMeterProvider(mp), runtime.WithRegistryString("otel.yaml", reg)}, opts...)
	rt, err := runtime.New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt, reader
}

// TestStoreMetrics: every store call, from Lua and from Go, is counted by
// store, operation and outcome (the error kind), and timed.
func TestStoreMetrics(t *testing.T) {
	rt, reader := newMeasuredRuntime(t, `
- {name: cache, kind: store.memory}
- {name: small, kind: store.memory, max_size: 1}
`, runtime.WithStoreLatencySampling(1))
	ctx := context.Background()
	_, err := rt.RunString(ctx, `
local c = assert(store.get("app:cache"))
assert(c:set("a", 1))
assert(c:set("b", "text"))
assert(c:get("a"))
assert(c:get("b") == "text")
assert(c:get("missing") == nil)
assert(c:incr("a", 2))
assert(not c:incr("b", 1))
assert(c:delete("a"))
assert(c:exists("b"))
assert(c:list{})
local s = assert(store.get("app:small"))
assert(s:set("x", 1))
assert(not s:set("y", 1))
`)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "go", 1, 0); err != nil {
		t.Fatal(err)
	}

	got := metrics(t, reader)
	wantOps := map[string]int64{
		"app:cache set ok":          3,
		"app:cache get ok":          2,
		"app:cache get NotFound":    1,
		"app:cache incr ok":         1,
		"app:cache incr Invalid":    1,
		"app:cache delete ok":       1,
		"app:cache exists ok":       1,
		"app:cache list ok":         1,
		"app:small set ok":          1,
		"app:small set Unavailable": 1,
	}
	ops := sums(t, got[runtime.MetricStoreOperations], runtime.AttrStoreID, runtime.AttrStoreOperation, runtime.AttrStoreOutcome)
	for k, want := range wantOps {
		if ops[k] != want {
			t.Errorf("%s %s = %d, want %d", runtime.MetricStoreOperations, k, ops[k], want)
		}
	}
	for k := range ops {
		if _, ok := wantOps[k]; !ok {
			t.Errorf("unexpected %s point %q = %d", runtime.MetricStoreOperations, k, ops[k])
		}
	}

	hist, ok := got[runtime.MetricStoreOperationDuration].(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T, want a float64 histogram", runtime.MetricStoreOperationDuration, got[runtime.MetricStoreOperationDuration])
	}
	counts := map[string]uint64{}
	for _, p := range hist.DataPoints {
		if _, ok := p.Attributes.Value(runtime.AttrStoreOutcome); ok {
			t.Errorf("histogram point has an outcome: %v", p.Attributes)
		}
		if min, ok := p.Min.Value(); !ok || min < 0 || p.Sum <= 0 || p.Sum > 10 {
			t.Errorf("histogram %v: implausible seconds (sum %v)", p.Attributes, p.Sum)
		}
		counts[attrKey(p.Attributes, runtime.AttrStoreID, runtime.AttrStoreOperation)] += p.Count
	}
	wantCounts := map[string]uint64{"app:cache set": 3, "app:cache get": 3, "app:cache incr": 2,
		"app:cache delete": 1, "app:cache exists": 1, "app:cache list": 1, "app:small set": 2}
	for k, want := range wantCounts {
		if counts[k] != want {
			t.Errorf("%s %s count = %d, want %d", runtime.MetricStoreOperationDuration, k, counts[k], want)
		}
	}
}

// lifecycleCase is one registry and what is done to it, with the
// transitions (entry from->to) it must record.
type lifecycleCase struct {
	name   string
	reg    string
	act    func(t *testing.T, rt *runtime.Runtime)
	want   map[string]int64
	states map[string]int64 // the entry count after act: "kind state" -> n
}

// TestEntryTransitionMetrics: boot, a failed start, a reload and shutdown
// record each state change of each entry, and the entry count gives the
// entries by kind and state.
func TestEntryTransitionMetrics(t *testing.T) {
	ctx := context.Background()
	tests := []lifecycleCase{
		{name: "boot", reg: `
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
- {name: lazy, kind: store.memory}
`, want: map[string]int64{
			"app:cache store.memory stopped starting": 1,
			"app:cache store.memory starting running": 1,
		}, states: map[string]int64{"store.memory running": 1, "store.memory stopped": 1}},
		{name: "failure", reg: `
- {name: bad, kind: test.failing, error: schema mismatch, permanent: true}
- {name: flaky, kind: test.failing, error: try again, lifecycle: {restart: {initial_delay: 1h}}}
`, act: func(t *testing.T, rt *runtime.Runtime) {
			rt.Start(ctx, "app:bad")
			rt.Start(ctx, "app:flaky")
		}, want: map[string]int64{
			"app:bad test.failing stopped starting":    1,
			"app:bad test.failing starting failed":     1,
			"app:flaky test.failing stopped starting":  1,
			"app:flaky test.failing starting retrying": 1,
		}, states: map[string]int64{"test.failing failed": 1, "test.failing retrying": 1}},
		{name: "stop", reg: `
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
`, act: func(t *testing.T, rt *runtime.Runtime) {
			if err := rt.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int64{
			"app:cache store.memory stopped starting": 1,
			"app:cache store.memory starting running": 1,
			"app:cache store.memory running stopping": 1,
			"app:cache store.memory stopping stopped": 1,
		}},
		{name: "reload", reg: `
- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}
`, act: func(t *testing.T, rt *runtime.Runtime) {
			_, err := rt.Reload(ctx, runtime.WithRegistryString("otel.yaml", `
- {name: cache, kind: store.memory, max_size: 10, lifecycle: {auto_start: true}}
`))
			if err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int64{
			"app:cache store.memory stopped starting": 2, // the old instance, then the new
			"app:cache store.memory starting running": 2,
			"app:cache store.memory running stopping": 1,
			"app:cache store.memory stopping stopped": 1,
		}, states: map[string]int64{"store.memory running": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, reader := newMeasuredRuntime(t, tt.reg)
			if tt.act != nil {
				tt.act(t, rt)
			}
			got := metrics(t, reader)
			tr := sums(t, got[runtime.MetricEntryTransitions], runtime.AttrEntryID, runtime.AttrEntryKind, runtime.AttrEntryPreviousState, runtime.AttrEntryState)
			if !mapsEqual(tr, tt.want) {
				t.Errorf("transitions:\n got %v\nwant %v", tr, tt.want)
			}
			if tt.states == nil {
				return
			}
			g, ok := got[runtime.MetricEntries].(metricdata.Sum[int64])
			if !ok || g.IsMonotonic {
				t.Fatalf("%s is %T (monotonic %v), want an int64 up-down counter", runtime.MetricEntries, got[runtime.MetricEntries], g.IsMonotonic)
			}
			states := map[string]int64{}
			for _, p := range g.DataPoints {
				states[attrKey(p.Attributes, runtime.AttrEntryKind, runtime.AttrEntryState)] = p.Value
			}
			if !mapsEqual(states, tt.states) {
				t.Errorf("entry count:\n got %v\nwant %v", states, tt.states)
			}
		})
	}
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestRunSpans: each run is a span; with WithStoreCallSpans each store call
// is a child span naming the store and operation, and no attribute, event
// or status of any span holds a key or value the script used.
func TestRunSpans(t *testing.T) {
	ctx := context.Background()
	const reg = `
- {name: cache, kind: store.memory}
`
	script := filepath.Join(t.TempDir(), "job.lua")
	if err := os.WriteFile(script, []byte(`
local c = assert(store.get("app:cache"))
assert(c:set("secret-key-1", "secret-value-1"))
assert(c:get("secret-key-1"))
local v, err = c:get("secret-key-missing")
assert(v == nil and errors.is(err, errors.NOT_FOUND))
local ok, err = c:incr("secret-key-1", 1)
assert(not ok)
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		storeSpans bool
		run        func(rt *runtime.Runtime) error
		scriptName string
		wantStore  []string // child span names, in end order
		runErr     string   // error.type of the run span
	}{
		{name: "file with store spans", storeSpans: true,
			run:        func(rt *runtime.Runtime) error { return rt.RunFile(ctx, script) },
			scriptName: script,
			wantStore:  []string{"luahost.store.set", "luahost.store.get", "luahost.store.get", "luahost.store.incr"}},
		{name: "file without store spans",
			run:        func(rt *runtime.Runtime) error { return rt.RunFile(ctx, script) },
			scriptName: script},
		{name: "string with store spans", storeSpans: true,
			run: func(rt *runtime.Runtime) error {
				_, err := rt.RunString(ctx, `assert(store.get("app:cache")):set("secret-key-2", "secret-value-2")`)
				return err
			},
			wantStore: []string{"luahost.store.set"}},
		{name: "compiled program with store spans", storeSpans: true,
			run: func(rt *runtime.Runtime) error {
				p, err := runtime.Compile("handler.lua", `assert(store.get("app:cache")):get(...)`)
				if err != nil {
					return err
				}
				_, err = rt.Call(ctx, p, []any{"secret-key-3"})
				return err
			},
			scriptName: "handler.lua",
			wantStore:  []string{"luahost.store.get"}},
		{name: "session chunk with store spans", storeSpans: true,
			run: func(rt *runtime.Runtime) error {
				return inSession(rt, "session.lua", `assert(store.get("app:cache")):get("secret-key-5")`)
			},
			scriptName: "session.lua",
			wantStore:  []string{"luahost.store.get"}},
		{name: "failed session chunk",
			run: func(rt *runtime.Runtime) error {
				return inSession(rt, "stdin", `error(errors.new{kind = errors.CONFLICT, message = "secret-value-5"})`)
			},
			scriptName: "stdin",
			runErr:     "Conflict"},
		{name: "string that does not compile",
			run: func(rt *runtime.Runtime) error {
				_, err := rt.RunString(ctx, `return "secret-value-4" +`)
				return err
			},
			runErr: "Invalid"},
		{name: "failed run",
			run: func(rt *runtime.Runtime) error {
				_, err := rt.RunString(ctx, `error(errors.new{kind = errors.CONFLICT, message = "secret-value-3"})`)
				return err
			},
			runErr: "Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			opts := []runtime.Option{runtime.WithTracerProvider(tp), runtime.WithRegistryString("otel.yaml", reg)}
			if tt.storeSpans {
				opts = append(opts, runtime.WithStoreCallSpans())
			}
			rt, err := runtime.New(ctx, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(ctx)
			if err := tt.run(rt); (err != nil) != (tt.runErr != "") {
				t.Fatalf("run error = %v, want error %v", err, tt.runErr != "")
			}
			spans := rec.Ended()
			var run sdktrace.ReadOnlySpan
			var children []string
			for _, s := range spans {
				if s.Name() == runtime.SpanRun {
					if run != nil {
						t.Fatal("two run spans")
					}
					run = s
				}
			}
			if run == nil {
				t.Fatalf("no %s span in %d spans", runtime.SpanRun, len(spans))
			}
			name, _ := attrOf(run.Attributes(), runtime.AttrScriptName)
			if name != tt.scriptName {
				t.Errorf("run span %s = %q, want %q", runtime.AttrScriptName, name, tt.scriptName)
			}
			errType, _ := attrOf(run.Attributes(), runtime.AttrErrorType)
			if errType != tt.runErr {
				t.Errorf("run span error.type = %q, want %q", errType, tt.runErr)
			}
			if wantCode := map[bool]codes.Code{false: codes.Unset, true: codes.Error}[tt.runErr != ""]; run.Status().Code != wantCode {
				t.Errorf("run span status = %v, want %v", run.Status(), wantCode)
			}
			for _, s := range spans {
				for _, kv := range s.Attributes() {
					if strings.Contains(kv.Value.String(), "secret") {
						t.Errorf("span %s attribute %s = %q holds a key or value", s.Name(), kv.Key, kv.Value.String())
					}
				}
				if strings.Contains(s.Status().Description, "secret") || len(s.Events()) > 0 {
					t.Errorf("span %s has status %v and %d events: may hold keys or values", s.Name(), s.Status(), len(s.Events()))
				}
				if s == run {
					continue
				}
				children = append(children, s.Name())
				if s.Parent().SpanID() != run.SpanContext().SpanID() || s.SpanContext().TraceID() != run.SpanContext().TraceID() {
					t.Errorf("span %s is not a child of the run span", s.Name())
				}
				id, _ := attrOf(s.Attributes(), runtime.AttrStoreID)
				op, _ := attrOf(s.Attributes(), runtime.AttrStoreOperation)
				if id != "app:cache" || runtime.SpanStorePrefix+op != s.Name() {
					t.Errorf("span %s: store %q operation %q", s.Name(), id, op)
				}
			}
			if !slices.Equal(children, tt.wantStore) {
				t.Errorf("store spans = %v, want %v", children, tt.wantStore)
			}
		})
	}
}

// inSession runs code, compiled as name, as a chunk of a new Session.
func inSession(rt *runtime.Runtime, name, code string) error {
	p, err := runtime.Compile(name, code)
	if err != nil {
		return err
	}
	s, err := rt.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Call(context.Background(), p.Function(s.L()))
	return err
}

func attrOf(kvs []attribute.KeyValue, key string) (string, bool) {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.String(), true
		}
	}
	return "", false
}

// TestStoreLatencySampling: the histogram times every call, except one in
// DefaultMemoryLatencySampling on store.memory, or one in n of each store
// with WithStoreLatencySampling(n); the counter counts every call. An n
// that is not a power of two is refused.
func TestStoreLatencySampling(t *testing.T) {
	tests := []struct {
		name  string
		opts  []runtime.Option
		timed map[string]uint64 // store -> calls in the histogram, of 128 sets
	}{
		{"default", nil, map[string]uint64{"app:cache": 128 / runtime.DefaultMemoryLatencySampling, "app:kv": 128}},
		{"every call", []runtime.Option{runtime.WithStoreLatencySampling(1)}, map[string]uint64{"app:cache": 128, "app:kv": 128}},
		{"one in 8", []runtime.Option{runtime.WithStoreLatencySampling(8)}, map[string]uint64{"app:cache": 16, "app:kv": 16}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, reader := newMeasuredRuntime(t, fmt.Sprintf(`
- {name: cache, kind: store.memory}
- {name: db, kind: db.sql.sqlite, file: %q}
- {name: kv, kind: store.sql, database: db, table_name: kv, create_table: true}
`, filepath.Join(t.TempDir(), "kv.db")), tt.opts...)
			if _, err := rt.RunString(context.Background(), `
for _, id in ipairs{"app:cache", "app:kv"} do
  local s = assert(store.get(id))
  for i = 1, 128 do assert(s:set("k", i)) end
end`); err != nil {
				t.Fatal(err)
			}
			got := metrics(t, reader)
			ops := sums(t, got[runtime.MetricStoreOperations], runtime.AttrStoreID)
			if ops["app:cache"] != 128 || ops["app:kv"] != 128 {
				t.Errorf("counted %v, want 128 calls of each store", ops)
			}
			timed := map[string]uint64{}
			for _, p := range got[runtime.MetricStoreOperationDuration].(metricdata.Histogram[float64]).DataPoints {
				timed[attrKey(p.Attributes, runtime.AttrStoreID)] += p.Count
			}
			if !mapsEqual(timed, tt.timed) {
				t.Errorf("timed %v, want %v", timed, tt.timed)
			}
		})
	}
	for _, n := range []int{-1, 10} {
		_, err := runtime.New(context.Background(), runtime.WithMeterProvider(sdkmetric.NewMeterProvider()), runtime.WithStoreLatencySampling(n))
		if err == nil || !strings.Contains(err.Error(), "power of two") {
			t.Errorf("sampling %d: New = %v, want a power-of-two error", n, err)
		}
	}
}

// TestTelemetryOptionsRejectedByReload: providers are fixed by New.
func TestTelemetryOptionsRejectedByReload(t *testing.T) {
	ctx := context.Background()
	rt, _ := newMeasuredRuntime(t, `- {name: cache, kind: store.memory}`)
	_, err := rt.Reload(ctx, runtime.WithStoreCallSpans())
	if err == nil || !strings.Contains(err.Error(), "only registry options") {
		t.Fatalf("reload with a telemetry option = %v, want it refused", err)
	}
}
