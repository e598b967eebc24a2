package runtime

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/luahost/luahost/luastd"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/security"
)

// Session is one Lua state kept for many chunks, as an interactive shell
// needs: globals persist from one chunk to the next, each chunk runs under
// its own context, and a chunk that fails or is interrupted leaves the
// state usable. The state has the store module, the store and errors
// globals and the runtime's preloads, like every state of the runtime.
// Its standard output (print, io.write, io.stdout) is the runtime's
// WithStdout default, or os.Stdout; SetStdout changes it. Each Call is a
// run for telemetry: it gets a luahost.run span (see WithTracerProvider).
//
// Call and L must be used from one goroutine at a time; Interrupt may be
// called from any goroutine.
type Session struct {
	ps *pooledState
	rt *Runtime

	mu     sync.Mutex
	cancel context.CancelFunc // of the running chunk, nil between chunks
}

// NewSession builds a dedicated Lua state for a session. The caller closes
// it before closing the runtime. It returns ErrShuttingDown once Close has
// been called on the runtime.
func (rt *Runtime) NewSession() (*Session, error) {
	rt.pool.mu.Lock()
	closed := rt.pool.closed
	rt.pool.mu.Unlock()
	if closed {
		return nil, ErrShuttingDown
	}
	s := &Session{rt: rt}
	// os.exit cancels the running chunk, so a script that catches the exit
	// with pcall still stops.
	s.ps = rt.buildState(func() { s.Interrupt() })
	s.ps.mod.SetSecurity(rt.sec.Load().defaultSec)
	s.ps.stdout.Set(rt.stdoutFor(nil))
	return s, nil
}

// SetStdout makes w the session's standard output, where print, io.write,
// io.stdout:write and io.output():write write from the next Call on; nil
// means os.Stdout. Call it between chunks, not while one runs.
func (s *Session) SetStdout(w io.Writer) { s.ps.stdout.Set(w) }

// Security returns the actor and scope the session's chunks run with (the
// runtime's WithRunDefaults), nil when they are not checked.
func (s *Session) Security() *security.Context { return s.ps.mod.Security() }

// L returns the session's state, for compiling chunks and inspecting
// globals between calls.
func (s *Session) L() *lua.LState { return s.ps.L }

// Call runs fn with args in the session's state under ctx and returns its
// results. A Lua error is returned as a *ScriptError whose Message is the
// error value through tostring (so store error values read "KIND:
// message"); when ctx ended or Interrupt stopped the chunk, Cause is the
// context error (context.Canceled for Interrupt). os.exit(n) is returned
// as an *ExitError, and every later Call returns it again. With a tracer
// provider the call is a luahost.run span named, by its
// luahost.script.name attribute, after fn's chunk.
func (s *Session) Call(ctx context.Context, fn *lua.LFunction, args ...lua.LValue) (_ []lua.LValue, err error) {
	L := s.ps.L
	if code, ok := exitCode(L); ok {
		return nil, &ExitError{Code: code} // nothing runs: no span
	}
	ctx, endRun := s.rt.tel.startRun(ctx, chunkName(fn))
	defer func() { endRun(err) }()
	ctx = withSecurity(ctx, s.ps.mod.Security())
	ctx, stopWatch := s.rt.limitMemory(ctx)
	defer stopWatch()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
	}()

	luastd.SetContext(L, ctx)
	defer L.RemoveContext()
	return call(ctx, L, fn, args...)
}

// chunkName is the chunk name of a Lua function, "" for a Go function.
func chunkName(fn *lua.LFunction) string {
	if fn == nil || fn.IsG || fn.Proto == nil {
		return ""
	}
	return fn.Proto.SourceName
}

// errorText is an error value as a script would see it through tostring.
// A __tostring runs under the state's context, the script's own limit: once
// that has ended (the script timed out or was interrupted) it is not run at
// all, and one that fails or is stopped gives a fixed description instead,
// so an error object can never keep the host busy past the script's limit.
func errorText(L *lua.LState, v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	if v == nil {
		return "nil"
	}
	if L.GetMetaField(v, "__tostring") == lua.LNil {
		return v.String()
	}
	stopped := func() bool { ctx := L.Context(); return ctx != nil && ctx.Err() != nil }
	if stopped() {
		return fmt.Sprintf("error object is a %s (its __tostring did not run: the script was stopped)", v.Type())
	}
	tostring := L.NewFunction(func(L *lua.LState) int {
		L.Push(L.ToStringMeta(L.Get(1)))
		return 1
	})
	top := L.GetTop()
	L.Push(tostring)
	L.Push(v)
	err := luastd.PCall(L, 1, 1, nil)
	if err == nil {
		out := L.Get(-1)
		L.SetTop(top)
		switch out.(type) {
		case lua.LString, lua.LNumber:
			return out.String()
		}
		return fmt.Sprintf("error object is a %s (its __tostring returned a %s)", v.Type(), out.Type())
	}
	L.SetTop(top)
	if stopped() {
		return fmt.Sprintf("error object is a %s (its __tostring did not finish: the script was stopped)", v.Type())
	}
	return fmt.Sprintf("error object is a %s (its __tostring failed)", v.Type())
}

// Interrupt stops the running chunk, if any: its context is canceled, and
// Call returns a *ScriptError whose Cause is context.Canceled. It reports
// whether a chunk was running.
func (s *Session) Interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return false
	}
	s.cancel()
	return true
}

// Close releases the state and every store handle it acquired. It is
// idempotent.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ps.L.IsClosed() {
		return
	}
	s.ps.close()
}
