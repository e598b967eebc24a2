package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func newSessionRuntime(t *testing.T) *Runtime {
	t.Helper()
	rt, err := New(context.Background(), WithRegistryString("empty.yaml", "namespace: app\nentries: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

// run compiles and calls code in s.
func run(t *testing.T, s *Session, code string) ([]lua.LValue, error) {
	t.Helper()
	fn, err := s.L().LoadString(code)
	if err != nil {
		t.Fatal(err)
	}
	return s.Call(context.Background(), fn)
}

func TestSessionKeepsGlobalsAcrossCalls(t *testing.T) {
	s, err := newSessionRuntime(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := run(t, s, "x = 41"); err != nil {
		t.Fatal(err)
	}
	got, err := run(t, s, "return x + 1, type(store.get), errors.NOT_FOUND")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != lua.LNumber(42) || got[1] != lua.LString("function") || got[2] != lua.LString("NotFound") {
		t.Errorf("results %v, want [42 function NotFound]", got)
	}
}

func TestSessionErrorMessages(t *testing.T) {
	s, err := newSessionRuntime(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct{ code, want string }{
		{`error("plain")`, `<string>:1: plain`},
		{`local _, err = store.get("app:nope") error(err)`, `NOT_FOUND: no entry "app:nope" in the registry`},
		{`error(setmetatable({}, {__tostring = function() return "custom" end}))`, "custom"},
		{`error(setmetatable({}, {__tostring = function() error("inner") end}))`, "error object is a table (its __tostring failed)"},
		{`error(setmetatable({}, {__tostring = function() return {} end}))`, "error object is a table (its __tostring returned a table)"},
	}
	for _, tt := range tests {
		_, err := run(t, s, tt.code)
		var se *ScriptError
		if !errors.As(err, &se) {
			t.Fatalf("%s: error %v, want a *ScriptError", tt.code, err)
		}
		if !strings.HasPrefix(se.Message, tt.want) {
			t.Errorf("%s: message %q, want it to start with %q", tt.code, se.Message, tt.want)
		}
	}
	if got, err := run(t, s, "return 1"); err != nil || got[0] != lua.LNumber(1) {
		t.Errorf("after errors: %v, %v", got, err)
	}
}

func TestSessionInterruptStopsOnlyTheRunningChunk(t *testing.T) {
	s, err := newSessionRuntime(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Interrupt() {
		t.Error("Interrupt reported a running chunk while none ran")
	}
	started := make(chan struct{})
	s.L().SetGlobal("started", s.L().NewFunction(func(*lua.LState) int { close(started); return 0 }))
	fn, err := s.L().LoadString("started() while true do end")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Call(context.Background(), fn)
		done <- err
	}()
	<-started
	if !s.Interrupt() {
		t.Error("Interrupt found no running chunk")
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted chunk returned %v, want an error matching context.Canceled", err)
	}
	if got, err := run(t, s, "return 2"); err != nil || got[0] != lua.LNumber(2) {
		t.Errorf("after Interrupt: %v, %v", got, err)
	}
}

func TestSessionExit(t *testing.T) {
	s, err := newSessionRuntime(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 { // the exit sticks
		_, err := run(t, s, "pcall(os.exit, 4) return 1")
		var exit *ExitError
		if !errors.As(err, &exit) || exit.Code != 4 {
			t.Fatalf("got %v, want exit status 4", err)
		}
	}
}

func TestNewSessionAfterClose(t *testing.T) {
	rt := newSessionRuntime(t)
	s, err := rt.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // idempotent
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.NewSession(); !errors.Is(err, ErrShuttingDown) {
		t.Errorf("NewSession after Close: %v, want ErrShuttingDown", err)
	}
}
