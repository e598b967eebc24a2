package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/luahost/luahost/runtime"
)

// newMetrics returns the runtime options that report the store and entry
// metrics (see the README's Observability) and the handler that serves
// them in the Prometheus text format, through the OpenTelemetry SDK and
// its Prometheus exporter. shutdown ends the meter provider.
func newMetrics() (opts []runtime.Option, handler http.Handler, shutdown func() error, err error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	shutdown = func() error { return mp.Shutdown(context.Background()) }
	opts = []runtime.Option{
		runtime.WithMeterProvider(mp),
		// A request costs far more than timing its store calls: keep
		// every call's latency, store.memory's too.
		runtime.WithStoreLatencySampling(1),
	}
	return opts, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), shutdown, nil
}
