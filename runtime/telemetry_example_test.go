package runtime_test

import (
	"context"
	"fmt"
	"log"
	"sort"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/luahost/luahost/runtime"
)

// A host passes its OpenTelemetry meter provider; here the SDK's with a
// manual reader, which a test or an exporter collects from.
func ExampleWithMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	rt, err := runtime.New(ctx, runtime.WithMeterProvider(mp),
		runtime.WithRegistryString("registry.yaml", exampleRegistry))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	if _, err := rt.RunString(ctx, `
local s = assert(store.get("app:cache"))
s:set("user:1", "Ada")
s:get("user:1")
s:get("user:2") -- missing: counted as NotFound`); err != nil {
		log.Fatal(err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == runtime.MetricStoreOperations {
				for _, p := range sum.DataPoints {
					v := func(k string) string { x, _ := p.Attributes.Value(attribute.Key(k)); return x.String() }
					lines = append(lines, fmt.Sprintf("%s %s %s %s: %d", m.Name, v(runtime.AttrStoreID),
						v(runtime.AttrStoreOperation), v(runtime.AttrStoreOutcome), p.Value))
				}
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// luahost.store.operations app:cache get NotFound: 1
	// luahost.store.operations app:cache get ok: 1
	// luahost.store.operations app:cache set ok: 1
}
