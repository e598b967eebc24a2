// Command httpserver serves HTTP by running a Lua handler per request on
// an embedded luahost runtime.
//
// Each request runs handler.lua in a pooled Lua state, bounded by the
// request's context and a per-request timeout; the handler keeps visit
// counts in the app:cache store, which Go code reads too (GET
// /_stats?path=/a). GET /metrics serves the runtime's store and entry
// metrics in the Prometheus text format (OpenTelemetry's Prometheus
// exporter).
//
// The registry is the one compiled in, or the files -registry names. On
// SIGHUP the server reads its registry again and applies what changed
// without a restart (runtime.Reload): unchanged stores keep running and
// keep their contents, so a visit count survives a reload that adds a
// store or rotates a password taken from ${env:...}.
//
//	go run ./examples/httpserver -addr 127.0.0.1:8080
//	curl 'http://127.0.0.1:8080/hello?name=Ada'
//	curl http://127.0.0.1:8080/metrics
//	kill -HUP <pid>   # reload the registry
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/luahost/luahost/examples/internal/serve"
	"github.com/luahost/luahost/runtime"
)

//go:embed registry.yaml
var registryYAML string

//go:embed handler.lua
var handlerLua string

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	timeout := flag.Duration("timeout", 2*time.Second, "longest a request's handler may run")
	registryPath := flag.String("registry", "", "registry file or folder (default: the one compiled in); SIGHUP reloads it")
	flag.Parse()
	if err := run(*addr, *timeout, *registryPath); err != nil {
		log.Fatal(err)
	}
}

func run(addr string, timeout time.Duration, registryPath string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	source := runtime.WithRegistryString("registry.yaml", registryYAML)
	if registryPath != "" {
		source = runtime.WithRegistry(registryPath)
	}
	metricsOpts, metricsHandler, stopMetrics, err := newMetrics()
	if err != nil {
		return err
	}
	defer stopMetrics()
	rt, err := runtime.New(ctx, append(metricsOpts, source)...)
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	stopHangup := reloadOnHangup(rt, func(rep *runtime.Report, err error) {
		if err != nil {
			log.Printf("reload: registry unchanged: %v", err)
			return
		}
		log.Printf("reload: %s", rep)
		for _, f := range rep.Failed {
			log.Printf("reload: %v", f)
		}
	})
	defer stopHangup()
	h, err := newServer(rt, "handler.lua", handlerLua, timeout)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler)
	mux.Handle("/", h)
	return serve.Run(ctx, addr, mux)
}

// reloadOnHangup reloads rt's registry on each SIGHUP, one at a time, and
// passes the outcome to done. The returned function stops listening and
// waits for a reload in progress.
func reloadOnHangup(rt *runtime.Runtime, done func(*runtime.Report, error)) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-hup:
				// A reload waits for the starts it causes; bound it so a
				// database that never answers cannot hold the next one.
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				rep, err := rt.Reload(ctx)
				cancel()
				done(rep, err)
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(quit)
		<-finished
	}
}

// server runs a Lua handler per request.
type server struct {
	rt      *runtime.Runtime
	handler *runtime.Program // compiled once, shared by every request
	timeout time.Duration
}

// newServer compiles the handler source; name is used in error positions.
func newServer(rt *runtime.Runtime, name, src string, timeout time.Duration) (*server, error) {
	prog, err := runtime.Compile(name, src)
	if err != nil {
		return nil, err
	}
	return &server{rt: rt, handler: prog, timeout: timeout}, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_stats" {
		s.stats(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	results, err := s.rt.Call(ctx, s.handler, []any{request(r)})
	var status int
	var body string
	if err == nil {
		status, body, err = serve.Response(results)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		http.Error(w, "handler timed out", http.StatusGatewayTimeout)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
	case errors.Is(err, runtime.ErrUnavailable):
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
	case err != nil:
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// request is the request as the handler sees it, a table
// {method =, path =, query = {name = value}}.
func request(r *http.Request) map[string]any {
	q := make(map[string]string)
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	return map[string]any{"method": r.Method, "path": r.URL.Path, "query": q}
}

// stats answers GET /_stats?path=/a with the handler's count for that path,
// read from Go through the same store.
func (s *server) stats(w http.ResponseWriter, r *http.Request) {
	kv, err := s.rt.Store(r.Context(), "app:cache")
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	path := r.URL.Query().Get("path")
	var n int
	if err := kv.Get(r.Context(), "visits:"+path, &n); err != nil && !errors.Is(err, runtime.ErrNotFound) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"path": path, "visits": n})
}
