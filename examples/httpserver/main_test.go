package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/runtime"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTestServer serves handler source on a loopback httptest server.
func newTestServer(t *testing.T, src string, timeout time.Duration) *httptest.Server {
	t.Helper()
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("registry.yaml", registryYAML))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(rt, "handler.lua", src, timeout)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return ts
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestHandlerCountsVisits(t *testing.T) {
	ts := newTestServer(t, handlerLua, 2*time.Second)
	steps := []struct {
		path   string
		status int
		body   string
	}{
		{"/a?name=Ada", 200, "hello, Ada: /a has 1 visit\n"},
		{"/a", 200, "hello, visitor: /a has 2 visits\n"},
		{"/b", 200, "hello, visitor: /b has 1 visit\n"},
		{"/a?name=Grace", 200, "hello, Grace: /a has 3 visits\n"},
		{"/_stats?path=/a", 200, `{"path":"/a","visits":3}` + "\n"},
		{"/_stats?path=/none", 200, `{"path":"/none","visits":0}` + "\n"},
	}
	for _, s := range steps {
		status, body := get(t, ts.URL+s.path)
		if status != s.status || body != s.body {
			t.Errorf("GET %s = %d %q, want %d %q", s.path, status, body, s.status, s.body)
		}
	}
	resp, err := http.Post(ts.URL+"/a", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /a = %d, want 405", resp.StatusCode)
	}
}

// Concurrent requests on distinct paths each count exactly.
func TestConcurrentRequests(t *testing.T) {
	ts := newTestServer(t, handlerLua, 2*time.Second)
	const clients, requests = 20, 10
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range requests {
				status, body := get(t, fmt.Sprintf("%s/c%d", ts.URL, c))
				want := fmt.Sprintf("/c%d has %d visit", c, i+1)
				if status != 200 || !strings.Contains(body, want) {
					t.Errorf("client %d request %d: %d %q, want %q", c, i, status, body, want)
					return
				}
			}
		})
	}
	wg.Wait()
	for c := range clients {
		_, body := get(t, fmt.Sprintf("%s/_stats?path=/c%d", ts.URL, c))
		var st struct{ Visits int }
		if err := json.Unmarshal([]byte(body), &st); err != nil || st.Visits != requests {
			t.Errorf("stats for /c%d: %q, %v", c, body, err)
		}
	}
}

func TestHandlerFailures(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		status int
	}{
		{"endless loop times out", `while true do end`, http.StatusGatewayTimeout},
		{"script error", `error("boom")`, http.StatusInternalServerError},
		{"bad status", `return "nope", "body"`, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.src, 50*time.Millisecond)
			start := time.Now()
			status, _ := get(t, ts.URL+"/x")
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("answered after %v", took)
			}
		})
	}
	if _, err := newServer(nil, "bad.lua", "return (", time.Second); err == nil {
		t.Error("newServer accepted a syntax error")
	}
}
