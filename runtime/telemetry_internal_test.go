package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
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

// failingMeter refuses the entry count instrument and counts the
// callbacks registered and unregistered on it.
type failingMeter struct {
	noop.Meter
	registered, unregistered int
}

func (m *failingMeter) Int64ObservableUpDownCounter(string, ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	return nil, errors.New("no more instruments")
}

func (m *failingMeter) RegisterCallback(metric.Callback, ...metric.Observable) (metric.Registration, error) {
	m.registered++
	return failingRegistration{m: m}, nil
}

type failingRegistration struct {
	embedded.Registration
	m *failingMeter
}

func (r failingRegistration) Unregister() error {
	r.m.unregistered++
	return nil
}

type failingMeterProvider struct {
	noop.MeterProvider
	m *failingMeter
}

func (p failingMeterProvider) Meter(string, ...metric.MeterOption) metric.Meter { return p.m }

// TestTelemetryFailureUnregisters: when New cannot create an instrument
// it says so, and leaves no callback registered with the provider (which
// would keep the failed runtime alive and be called at every collection).
func TestTelemetryFailureUnregisters(t *testing.T) {
	m := &failingMeter{}
	_, err := New(context.Background(), WithMeterProvider(failingMeterProvider{m: m}),
		WithRegistryString("t.yaml", `- {name: cache, kind: store.memory}`))
	if err == nil || !strings.Contains(err.Error(), "telemetry: no more instruments") {
		t.Fatalf("New: %v, want the instrument's error", err)
	}
	if m.registered == 0 || m.unregistered != m.registered {
		t.Errorf("%d callbacks registered, %d unregistered; want all unregistered", m.registered, m.unregistered)
	}
}
