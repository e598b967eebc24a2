// Package serve holds what the example HTTP servers share: serving until
// their context ends, and reading a Lua handler's results as a response.
package serve

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"
)

// Run serves h on addr until ctx ends or the server fails, then shuts
// the server down, waiting up to 10 s for requests in flight.
func Run(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("listening on http://%s", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// Response checks a handler's results, as runtime.Call returns them: a
// status from 100 to 999 and a string body.
func Response(results []any) (status int, body string, err error) {
	if len(results) != 2 {
		return 0, "", fmt.Errorf("handler returned %d values, want status and body", len(results))
	}
	n, ok := results[0].(int64)
	if !ok || n < 100 || n > 999 {
		return 0, "", fmt.Errorf("handler returned status %v, want an integer from 100 to 999", results[0])
	}
	body, ok = results[1].(string)
	if !ok {
		return 0, "", fmt.Errorf("handler returned a body of type %T, want a string", results[1])
	}
	return int(n), body, nil
}
