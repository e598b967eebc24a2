package runtime

import (
	"context"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkTelemetryLoop runs the store loop of BenchmarkMemoryStoreLoop
// (1,000,000 s:set and 1,000,000 s:get on store.memory) alternately on a
// runtime without providers and on one with the providers of the case,
// and reports instrumented time / plain time: machine load that drifts
// during the run hits both alike. "plain" compares two runtimes without
// providers (the noise floor); "meter" is a meter provider with the
// default latency sampling; "meter-every-call" times every call.
func BenchmarkTelemetryLoop(b *testing.B) {
	const reg = `- {name: cache, kind: store.memory, max_size: 0}`
	cases := []struct {
		name string
		opts func(b *testing.B) []Option
	}{
		{"plain", func(*testing.B) []Option { return nil }},
		{"meter", func(b *testing.B) []Option {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { mp.Shutdown(context.Background()) })
			return []Option{WithMeterProvider(mp)}
		}},
		{"meter-every-call", func(b *testing.B) []Option {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { mp.Shutdown(context.Background()) })
			return []Option{WithMeterProvider(mp), WithStoreLatencySampling(1)}
		}},
		{"tracer", func(b *testing.B) []Option {
			tp := sdktrace.NewTracerProvider()
			b.Cleanup(func() { tp.Shutdown(context.Background()) })
			return []Option{WithTracerProvider(tp)}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			base := benchRuntime(b, reg)
			rt, err := New(context.Background(), append(c.opts(b), WithRegistryString("bench.yaml", reg))...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { rt.Close(context.Background()) })
			const n = 1_000_000
			err = base.Do(context.Background(), func(L0 *lua.LState) error {
				return rt.Do(context.Background(), func(L1 *lua.LState) error {
					fn0, h0 := loopHandle(b, L0)
					fn1, h1 := loopHandle(b, L1)
					var plain, measured time.Duration
					b.ResetTimer()
					for range b.N {
						plain += timeLoop(b, L0, fn0, h0, n)
						measured += timeLoop(b, L1, fn1, h1, n)
					}
					b.ReportMetric(float64(measured)/float64(plain), "instrumented/plain")
					b.ReportMetric(float64(measured.Nanoseconds())/float64(2*n*b.N), "ns/call")
					return nil
				})
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// loopHandle compiles loopScript in L and returns it with a handle to
// app:cache.
func loopHandle(b *testing.B, L *lua.LState) (*lua.LFunction, lua.LValue) {
	fn, err := L.LoadString(loopScript)
	if err != nil {
		b.Fatal(err)
	}
	if err := L.DoString(`return assert(store.get("app:cache"))`); err != nil {
		b.Fatal(err)
	}
	h := L.Get(-1)
	L.Pop(1)
	return fn, h
}

// BenchmarkMeasuredGet is one Get through a handle's store: the bare
// proxy (no providers) and the measured one (meter provider).
func BenchmarkMeasuredGet(b *testing.B) {
	const reg = `- {name: cache, kind: store.memory, max_size: 0}`
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	for _, c := range []struct {
		name string
		opts []Option
	}{{"plain", nil}, {"meter", []Option{WithMeterProvider(mp)}},
		{"meter-every-call", []Option{WithMeterProvider(mp), WithStoreLatencySampling(1)}}} {
		b.Run(c.name, func(b *testing.B) {
			rt, err := New(context.Background(), append(c.opts, WithRegistryString("bench.yaml", reg))...)
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close(context.Background())
			ctx := context.Background()
			st, err := rt.backendStore(ctx, "app:cache")
			if err != nil {
				b.Fatal(err)
			}
			if err := st.Set(ctx, "k", []byte("v"), 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := st.Get(ctx, "k"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
