package runtime

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/luahost/luahost/backends"
)

// TestTelemetryWrapsOnlyWithProviders: without providers (or with only a
// tracer and no store call spans) a handle holds the store proxy itself,
// so store calls cost what they did; with a meter it is measured, and
// keeps the store's copy-free string read.
func TestTelemetryWrapsOnlyWithProviders(t *testing.T) {
	mp := sdkmetric.NewMeterProvider()
	tp := sdktrace.NewTracerProvider()
	defer mp.Shutdown(context.Background())
	defer tp.Shutdown(context.Background())
	tests := []struct {
		name     string
		opts     []Option
		measured bool
	}{
		{"none", nil, false},
		{"tracer", []Option{WithTracerProvider(tp)}, false},
		{"store call spans without tracer", []Option{WithStoreCallSpans()}, false},
		{"tracer with store call spans", []Option{WithTracerProvider(tp), WithStoreCallSpans()}, true},
		{"meter", []Option{WithMeterProvider(mp)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			rt, err := New(ctx, append(tt.opts, WithRegistryString("t.yaml", `- {name: cache, kind: store.memory}`))...)
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(ctx)
			st, err := rt.backendStore(ctx, "app:cache")
			if err != nil {
				t.Fatal(err)
			}
			// Measured or not, a handle keeps the copy-free read of
			// strings.
			if _, ok := st.(backends.StringGetter); !ok {
				t.Errorf("store %T is not a backends.StringGetter", st)
			}
			switch st.(type) {
			case extendedProxy:
				if tt.measured {
					t.Errorf("store is the bare proxy, want it measured")
				}
			case measuredExtended:
				if !tt.measured {
					t.Errorf("store is measured, want the bare proxy")
				}
			default:
				t.Errorf("store is %T", st)
			}
		})
	}
}
