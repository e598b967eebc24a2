package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/runtime"
)

// TestMetricsEndpoint: after requests, /metrics serves the store call
// counts and latencies and the entry states in the Prometheus format.
func TestMetricsEndpoint(t *testing.T) {
	opts, metrics, shutdown, err := newMetrics()
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown()
	ctx := context.Background()
	rt, err := runtime.New(ctx, append(opts, runtime.WithRegistryString("registry.yaml", registryYAML))...)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	h, err := newServer(rt, "handler.lua", handlerLua, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics)
	mux.Handle("/", h)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	for range 3 {
		if code, body := get(t, ts.URL+"/hello?name=Ada"); code != http.StatusOK {
			t.Fatalf("GET /hello = %d %s", code, body)
		}
	}
	code, body := get(t, ts.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, want := range []string{
		// The first visit's get finds no count; the later ones do.
		`luahost_store_operations_total{luahost_store_id="app:cache",luahost_store_operation="get",luahost_store_outcome="NotFound",otel_scope_name="github.com/luahost/luahost/runtime",otel_scope_schema_url="",otel_scope_version=""} 1`,
		`luahost_store_operations_total{luahost_store_id="app:cache",luahost_store_operation="get",luahost_store_outcome="ok",otel_scope_name="github.com/luahost/luahost/runtime",otel_scope_schema_url="",otel_scope_version=""} 2`,
		`luahost_store_operations_total{luahost_store_id="app:cache",luahost_store_operation="set",luahost_store_outcome="ok",otel_scope_name="github.com/luahost/luahost/runtime",otel_scope_schema_url="",otel_scope_version=""} 3`,
		`luahost_store_operation_duration_seconds_count{luahost_store_id="app:cache",luahost_store_operation="set",otel_scope_name="github.com/luahost/luahost/runtime",otel_scope_schema_url="",otel_scope_version=""} 3`,
		`luahost_store_operation_duration_seconds_bucket{luahost_store_id="app:cache",luahost_store_operation="get",`,
		`luahost_entry_transitions_total{luahost_entry_id="app:cache",luahost_entry_kind="store.memory",luahost_entry_previous_state="starting",luahost_entry_state="running"`,
		`luahost_entry_count{luahost_entry_kind="store.memory",luahost_entry_state="running"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
