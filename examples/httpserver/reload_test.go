//go:build unix

package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luahost/luahost/runtime"
)

// TestHangupReloadsRegistry: SIGHUP applies a changed registry file to the
// running server; the visit counts in the unchanged app:cache survive, the
// added store is there, and a broken file changes nothing.
func TestHangupReloadsRegistry(t *testing.T) {
	file := filepath.Join(t.TempDir(), "registry.yaml")
	if err := os.WriteFile(file, []byte(registryYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistry(file))
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(rt, "handler.lua", handlerLua, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	type outcome struct {
		rep *runtime.Report
		err error
	}
	outcomes := make(chan outcome, 1)
	stop := reloadOnHangup(rt, func(rep *runtime.Report, err error) { outcomes <- outcome{rep, err} })
	t.Cleanup(func() {
		stop()
		ts.Close()
		if err := rt.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	hangup := func() outcome {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		select {
		case o := <-outcomes:
			return o
		case <-time.After(30 * time.Second):
			t.Fatal("no reload 30s after SIGHUP")
		}
		return outcome{}
	}

	for range 3 {
		get(t, ts.URL+"/a")
	}
	added := registryYAML + "  - name: extra\n    kind: store.memory\n    lifecycle:\n      auto_start: true\n"
	if err := os.WriteFile(file, []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	o := hangup()
	if o.err != nil {
		t.Fatal(o.err)
	}
	if got, want := o.rep.String(), "kept 1, started 1 (app:extra)"; got != want {
		t.Errorf("report %q, want %q", got, want)
	}
	if _, body := get(t, ts.URL+"/_stats?path=/a"); !strings.Contains(body, `"visits":3`) {
		t.Errorf("stats after reload: %s, want 3 visits", body)
	}
	if got := rt.State("app:extra").Phase; got != runtime.Running {
		t.Errorf("app:extra is %s, want running", got)
	}

	if err := os.WriteFile(file, []byte("entries: ["), 0o644); err != nil {
		t.Fatal(err)
	}
	if o := hangup(); o.err == nil || !strings.HasPrefix(o.err.Error(), file+":1:") {
		t.Errorf("broken file: %v, want an error at %s:1:", o.err, file)
	}
	if _, ok := rt.Registry().Entry("app:extra"); !ok {
		t.Error("a broken file replaced the registry")
	}
}
