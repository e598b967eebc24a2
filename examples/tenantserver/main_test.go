package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/runtime"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTenantsAreConfined(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistry("../../scripts/tenants"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(rt, demoTokens)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer func() {
		ts.Close()
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	do := func(method, token, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	steps := []struct {
		method, token, path, body string
		status                    int
		resp                      string
	}{
		{"PUT", "acme-token", "/notes/plan", "pro", 204, ""},
		{"PUT", "globex-token", "/notes/plan", "free", 204, ""},
		{"GET", "acme-token", "/notes/plan", "", 200, "pro\n"},
		{"GET", "globex-token", "/notes/plan", "", 200, "free\n"},
		{"GET", "acme-token", "/notes/globex/plan?raw=1", "", 403, "forbidden\n"},
		{"PUT", "acme-token", "/notes/globex/plan?raw=1", "hacked", 403, "forbidden\n"},
		{"GET", "acme-token", "/notes/?prefix=", "", 200, "acme/plan\n"},
		{"GET", "acme-token", "/notes/?prefix=globex/", "", 200, "\n"},
		{"GET", "support-token", "/notes/globex/plan?raw=1", "", 200, "free\n"},
		{"PUT", "support-token", "/notes/globex/plan?raw=1", "x", 403, "forbidden\n"},
		{"GET", "support-token", "/notes/?prefix=", "", 200, "acme/plan\nglobex/plan\n"},
		{"GET", "globex-token", "/notes/plan", "", 200, "free\n"},
		{"GET", "nobody", "/notes/plan", "", 401, "unknown token\n"},
	}
	for i, s := range steps {
		status, resp := do(s.method, s.token, s.path, s.body)
		if status != s.status || resp != s.resp {
			t.Errorf("step %d %s %s as %s: %d %q, want %d %q", i, s.method, s.path, s.token, status, resp, s.status, s.resp)
		}
	}
}
