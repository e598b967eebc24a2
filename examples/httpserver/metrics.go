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

// newMetrics returns the runtime option that reports the store and entry
// metrics (see the README's Observability) and the handler that serves
// them in the Prometheus text format, through the OpenTelemetry SDK and
// its Prometheus exporter. shutdown ends the meter provider.
func newMetrics() (opt runtime.Option, handler http.Handler, shutdown func() error, err error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	shutdown = func() error { return mp.Shutdown(context.Background()) }
	return runtime.WithMeterProvider(mp), promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), shutdown, nil
}
