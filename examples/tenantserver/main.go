// Command tenantserver serves each tenant's notes from one shared store,
// running every request's Lua handler as the caller: the bearer token
// names an actor, and the run gets that actor and its policy group as
// scope, so the handler can touch only the caller's keys whatever it does.
//
// The registry is the README's tenant example (scripts/tenants): tenants
// read and write keys under their own prefix, support reads every key.
//
//	go run ./examples/tenantserver -registry scripts/tenants
//	curl -X PUT -H 'Authorization: Bearer acme-token' --data pro http://127.0.0.1:8080/notes/plan
//	curl -H 'Authorization: Bearer acme-token' http://127.0.0.1:8080/notes/plan
//	curl -H 'Authorization: Bearer acme-token' 'http://127.0.0.1:8080/notes/globex/plan?raw=1'   # 403
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/luahost/luahost/examples/internal/serve"
	"github.com/luahost/luahost/runtime"
)

//go:embed handler.lua
var handlerLua string

// caller is who a token stands for.
type caller struct {
	id    string
	meta  map[string]any
	scope string // a policy group
}

// demoTokens stand in for a real token check.
var demoTokens = map[string]caller{
	"acme-token":    {id: "acme", meta: map[string]any{"prefix": "acme/"}, scope: "app.security:tenant"},
	"globex-token":  {id: "globex", meta: map[string]any{"prefix": "globex/"}, scope: "app.security:tenant"},
	"support-token": {id: "support:ann", meta: map[string]any{}, scope: "app.security:support"},
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	reg := flag.String("registry", "scripts/tenants", "registry with app:shared and the app.security policies")
	flag.Parse()
	if err := run(*addr, *reg); err != nil {
		log.Fatal(err)
	}
}

func run(addr, reg string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := runtime.New(ctx, runtime.WithRegistry(reg))
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	h, err := newServer(rt, demoTokens)
	if err != nil {
		return err
	}
	return serve.Run(ctx, addr, h)
}

type server struct {
	rt      *runtime.Runtime
	handler *runtime.Program
	tokens  map[string]caller
}

func newServer(rt *runtime.Runtime, tokens map[string]caller) (*server, error) {
	prog, err := runtime.Compile("handler.lua", handlerLua)
	if err != nil {
		return nil, err
	}
	return &server{rt: rt, handler: prog, tokens: tokens}, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	who, ok := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		http.Error(w, "unknown token", http.StatusUnauthorized)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/notes/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	results, err := s.rt.Call(ctx, s.handler, []any{request(r, name, string(body))},
		runtime.WithActor(who.id, who.meta), runtime.WithScope(who.scope))
	var status int
	var out string
	if err == nil {
		status, out, err = serve.Response(results)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		http.Error(w, "handler timed out", http.StatusGatewayTimeout)
	case err != nil:
		log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, out)
	}
}

// request is the request as the handler sees it, a table
// {method =, name =, body =, query = {name = value}}.
func request(r *http.Request, name, body string) map[string]any {
	q := make(map[string]string)
	for k, v := range r.URL.Query() {
		q[k] = v[0]
	}
	return map[string]any{"method": r.Method, "name": name, "body": body, "query": q}
}
