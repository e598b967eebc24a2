package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/security"
)

// LuaLoader is a Lua module loader, as given to LState.PreloadModule.
type LuaLoader = lua.LGFunction

// Preload adds a Lua module that every state of this runtime can require.
// Call it before running scripts. It drops any description PreloadModule
// gave a module of that name.
func (rt *Runtime) Preload(name string, loader LuaLoader) {
	rt.preloads[name] = loader
	delete(rt.docs, name)
}

// ModuleDoc describes a Lua module for editor definitions: see
// luamod.ModuleDoc.
type ModuleDoc = luamod.ModuleDoc

// PreloadModule is Preload with a description of the module, which
// ModuleDocs returns, so editor definitions (package luamod/luals) cover
// it. doc.Name is set to name and doc.Require to true. Call it before
// running scripts.
func (rt *Runtime) PreloadModule(name string, loader LuaLoader, doc ModuleDoc) {
	rt.Preload(name, loader)
	doc.Name, doc.Require = name, true
	rt.docs[name] = doc
}

// ModuleDocs describes the modules and globals scripts of this runtime
// see beyond Lua 5.1's: store, errors and security (luamod.Docs), then
// the modules added with PreloadModule, sorted by name. Modules added
// with Preload have no description and are left out.
func (rt *Runtime) ModuleDocs() []ModuleDoc {
	out := luamod.Docs()
	names := make([]string, 0, len(rt.docs))
	for name := range rt.docs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, rt.docs[name])
	}
	return out
}

// ScriptError is a Lua error raised by a script, with its traceback.
type ScriptError struct {
	// Message is the error value as text, starting with "file:line:" when
	// Lua knows where it was raised.
	Message   string
	Traceback string
	// Cause is the context error when the script was stopped by its
	// context (deadline or cancellation), or the *luamod.Error of a failed
	// store call the script raised (error(err)), so errors.Is(err,
	// ErrNotFound) works through a script, or the *SyntaxError of source
	// that does not compile.
	Cause error
}

func (e *ScriptError) Error() string {
	if e.Traceback == "" {
		return e.Message
	}
	return e.Message + "\n" + e.Traceback
}

// Unwrap returns Cause.
func (e *ScriptError) Unwrap() error { return e.Cause }

// ExitError is returned when a script calls os.exit(code).
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("script exited with status %d", e.Code) }

// Script is a chunk of Lua to run.
type Script struct {
	// Name is the chunk name used in error positions (a file path, or
	// e.g. "=(command line)").
	Name   string
	Source io.Reader
	// Args become the global table arg (arg[0] = Name, arg[1..n]) and the
	// chunk's varargs.
	Args []string
	// Arg0, when set, is arg[0] instead of Name: the lua command gives
	// "-" for a script read from stdin, whose chunk name is "stdin".
	Arg0 string
	// Interpreter is the command line before the script, from the
	// program's name on, which the lua command puts at arg's negative
	// indices: the last element is arg[-1], the first arg[-len].
	Interpreter []string
	// Stdout is the script's standard output: where print, io.write,
	// io.stdout:write and io.output():write (while the default output is
	// io.stdout) write, as Lua 5.1 writes them (see luastd.OpenStdout).
	// io.stdout:flush() calls its Flush method, if any. Nil means the
	// runtime's WithStdout default, then os.Stdout.
	Stdout io.Writer
}

// WithStdout makes w the standard output of the run (Run, RunString,
// Call, Do), instead of the process's: print, io.write, io.stdout:write
// and io.output():write write to it, as for Script.Stdout, which wins for
// Run when set. As a runtime default (WithRunDefaults) it is a Session's
// standard output too. A run on a pooled state writes only to its own
// writer: the state's standard output goes back to os.Stdout when the run
// ends. Writes reach w in the order the script makes them, unbuffered: a
// Write for each print call and for each io.write argument. Runs that may
// write to one w at the same time need a w safe for concurrent use.
func WithStdout(w io.Writer) RunOption {
	return func(o *runOptions) { o.stdout = w }
}

// stdoutFor returns a run's standard output: the runtime's default, then
// opts; nil means os.Stdout.
func (rt *Runtime) stdoutFor(opts []RunOption) io.Writer {
	if len(opts) == 0 && len(rt.runDefaults) == 0 {
		return nil // the common case, without allocating o
	}
	var o runOptions
	for _, opt := range rt.runDefaults {
		opt(&o)
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o.stdout
}

// RunFile runs a Lua file in a fresh state; args are the script's arguments.
func (rt *Runtime) RunFile(ctx context.Context, path string, args ...string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = rt.Run(ctx, Script{Name: path, Source: f, Args: args})
	return err
}

// RunString runs Lua code in a pooled state and returns its results
// converted to Go values (see Call for their types). The run sees nothing
// an earlier run on that state did (see Isolation in the package doc).
// Compiled code is kept for reuse, within bounds: chunks of up to 64 KiB,
// the 256 most recently compiled (the oldest is dropped first), so code
// run again soon skips the compiler, and code seen once is not kept for
// good. A host that runs the same code often, or many different chunks,
// can Compile it once and Call the Program instead. Code that
// does not compile returns a *ScriptError whose Cause is a *SyntaxError.
// opts set the run's actor, scope and output.
func (rt *Runtime) RunString(ctx context.Context, code string, opts ...RunOption) ([]any, error) {
	p, err := rt.chunks.program(ctx, code)
	if err != nil {
		err = &ScriptError{Message: err.Error(), Cause: err}
		_, endRun := rt.tel.startRun(ctx, "")
		endRun(err) // a run that did not compile is a failed run
		return nil, err
	}
	return rt.runPooled(ctx, "", p, nil, opts)
}

// Run runs a script in a fresh state and returns its results. opts set the
// run's actor, scope and output.
func (rt *Runtime) Run(ctx context.Context, s Script, opts ...RunOption) (_ []lua.LValue, err error) {
	ctx, endRun := rt.tel.startRun(ctx, s.Name)
	defer func() { endRun(err) }()
	sec, err := rt.securityFor(opts)
	if err != nil {
		return nil, err
	}
	ctx, stopWatch := rt.limitMemory(ctx)
	defer stopWatch()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ps := rt.buildState(cancel)
	defer ps.close()
	L := ps.L
	ps.mod.SetSecurity(sec)
	ctx = withSecurity(ctx, sec)
	src, err := io.ReadAll(s.Source)
	if err != nil {
		return nil, err
	}
	luastd.SetContext(L, ctx) // compiling a huge chunk stops at the limit too
	fn, err := luastd.Load(L, stripShebang(string(src)), s.Name)
	if err != nil {
		if ctx.Err() != nil {
			return nil, scriptError(ctx, L, err)
		}
		return nil, &ScriptError{Message: err.Error(), Cause: err}
	}
	argt := L.NewTable()
	arg0 := s.Name
	if s.Arg0 != "" {
		arg0 = s.Arg0
	}
	argt.RawSetInt(0, lua.LString(arg0))
	for i, a := range s.Interpreter {
		argt.RawSetInt(i-len(s.Interpreter), lua.LString(a))
	}
	args := make([]lua.LValue, len(s.Args))
	for i, a := range s.Args {
		argt.RawSetInt(i+1, lua.LString(a))
		args[i] = lua.LString(a)
	}
	L.SetGlobal("arg", argt)
	if s.Stdout == nil {
		s.Stdout = rt.stdoutFor(opts)
	}
	ps.stdout.Set(s.Stdout)
	luastd.SetContext(L, ctx)
	return call(ctx, L, fn, args...)
}

// Do lends fn a pooled, ready Lua state bounded by ctx. The state has the
// store module and errors global loaded. The borrow is one run: it has
// globals of its own and copies of whatever library tables and
// metatables it reaches, and nothing it changes is seen by the next
// borrower (see Isolation in the package doc); values fn keeps in the
// registry are the exception. A *lua.ApiError returned by fn becomes a
// *ScriptError, which matches the context's error when the context
// stopped the script. opts set the run's actor and scope (the store
// calls fn makes through L are checked) and its standard output
// (WithStdout).
func (rt *Runtime) Do(ctx context.Context, fn func(L *lua.LState) error, opts ...RunOption) error {
	return rt.do(ctx, "", fn, opts)
}

// do is Do with the script name its run span carries ("" for none).
func (rt *Runtime) do(ctx context.Context, name string, fn func(L *lua.LState) error, opts []RunOption) (err error) {
	ctx, endRun := rt.tel.startRun(ctx, name)
	defer func() { endRun(err) }()
	sec, err := rt.securityFor(opts)
	if err != nil {
		return err
	}
	ps := rt.pool.get(rt)
	if ps == nil {
		return ErrShuttingDown
	}
	ps.mod.SetSecurity(sec)
	ctx = withSecurity(ctx, sec)
	ctx, stopWatch := rt.limitMemory(ctx)
	defer stopWatch()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ps.exited.cancel = cancel
	luastd.SetContext(ps.L, ctx)
	if ps.iso != nil {
		ps.iso.begin()
	}
	ps.stdout.Set(rt.stdoutFor(opts))
	ps.clock.Reset()
	err = fn(ps.L)
	ps.stdout.Set(nil) // the pool must not keep the run's writer alive
	if ae, ok := err.(*lua.ApiError); ok {
		err = scriptError(ctx, ps.L, ae)
	}
	if ps.iso != nil {
		ps.iso.end()
	}
	ps.L.RemoveContext()
	ps.L.SetTop(0)
	ps.exited.cancel = nil
	ps.mod.SetSecurity(nil) // before the state goes back to the pool
	if ps.exited.code != nil || ctx.Err() != nil || luastd.StackGrown(ps.L) {
		// A state stopped mid-chunk may hold half-done work, and one whose
		// stack grew keeps that memory (gopher-lua never shrinks it),
		// charged to no run: drop it.
		ps.close()
		return err
	}
	rt.pool.put(ps)
	return err
}

// call runs fn with args under PCall and turns a Lua error into a
// *ScriptError or an *ExitError.
func call(ctx context.Context, L *lua.LState, fn *lua.LFunction, args ...lua.LValue) ([]lua.LValue, error) {
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	var trace string
	if err := luastd.PCall(L, len(args), lua.MultRet, tracebackHandler(L, &trace)); err != nil {
		L.SetTop(top)
		if ae, ok := err.(*lua.ApiError); ok && ae.StackTrace == "" {
			ae.StackTrace = trace
		}
		return nil, scriptError(ctx, L, err)
	}
	n := L.GetTop() - top
	out := make([]lua.LValue, n)
	for i := range n {
		out[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return out, nil
}

// tracebackLevels is how many stack levels a script error's traceback
// shows; deeper ones are cut to "...".
const tracebackLevels = 12

// tracebackHandler returns a PCall message handler that records a
// traceback of at most tracebackLevels levels in *trace and passes the
// error value through. Without it gopher-lua builds its own traceback
// with a line for every tail call, which takes seconds after a long chain
// of tail calls and runs past the script's limit.
func tracebackHandler(L *lua.LState, trace *string) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		var b strings.Builder
		b.WriteString("stack traceback:")
		var prev lua.Debug
		for level := 1; ; level++ {
			dbg, ok := L.GetStack(level)
			if !ok {
				break
			}
			if level > tracebackLevels {
				b.WriteString("\n\t...")
				break
			}
			// Levels of tail calls have no frame of their own: gopher-lua
			// gives the outermost frame again for them.
			raw := *dbg
			if level > 1 && raw == prev {
				b.WriteString("\n\t(tailcall): ?")
				continue
			}
			prev = raw
			if _, err := L.GetInfo("Snl", dbg, lua.LNil); err != nil {
				break
			}
			b.WriteString("\n\t")
			b.WriteString(frameText(dbg))
		}
		b.WriteString("\n\t[G]: ?")
		*trace = b.String()
		return 1 // the error value, unchanged
	})
}

// frameText describes one stack level as gopher-lua's tracebacks do.
func frameText(dbg *lua.Debug) string {
	where := "[G]:"
	if dbg.What != "G" && dbg.CurrentLine > 0 {
		where = fmt.Sprintf("%s:%d:", dbg.Source, dbg.CurrentLine)
	}
	switch {
	case dbg.What == "main":
		return where + " in main chunk"
	case dbg.Name != "" && (dbg.Name[0] == '<' || dbg.Name[0] == '('):
		return fmt.Sprintf("%s in function %s", where, dbg.Name)
	case dbg.Name != "":
		return fmt.Sprintf("%s in function '%s'", where, dbg.Name)
	case dbg.What == "G":
		return where + " in function ?"
	}
	return fmt.Sprintf("%s in function <%s:%d>", where, dbg.Source, dbg.LineDefined)
}

// scriptError turns an error of PCall into an *ExitError or a
// *ScriptError.
func scriptError(ctx context.Context, L *lua.LState, err error) error {
	if code, ok := exitCode(L); ok {
		return &ExitError{Code: code}
	}
	se := &ScriptError{Message: err.Error()}
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		se.Message = errorText(L, ae.Object)
		se.Traceback = ae.StackTrace
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		se.Cause = ctxErr
	} else if memErr := luastd.Cause(L, se.Message); memErr != nil {
		// A refused allocation reads and matches as the watchdog's stop
		// does: an INVALID error, "memory limit of N exceeded: ...".
		le := &luamod.Error{Kind: luamod.KindInvalid, Message: memErr.Error(), Err: memErr}
		se.Message, se.Cause = le.Error(), le
	}
	// The run's own context (L's) knows when the memory watchdog stopped it.
	if le, ok := memoryError(L.Context()); ok {
		se.Message, se.Cause = le.Error(), le
		return se
	}
	if ae != nil {
		if le, ok := luamod.AsError(ae.Object); ok { // error(err) of a failed store call
			se.Message = le.Error()
			if se.Cause == nil {
				se.Cause = le
			}
		}
	}
	return se
}

func stripShebang(src string) string {
	if strings.HasPrefix(src, "#!") {
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			return "--" + src[i:] // keep line numbers
		}
		return ""
	}
	return src
}

// exitState records os.exit from a script. cancel, set for each borrow of
// a pooled state, stops the script even if it catches the exit.
type exitState struct {
	code   *int
	cancel context.CancelFunc
}

const exitKey = "luahost.exit"

func exitCode(L *lua.LState) (int, bool) {
	ud, ok := L.GetField(L.Get(lua.RegistryIndex), exitKey).(*lua.LUserData)
	if !ok {
		return 0, false
	}
	es := ud.Value.(*exitState)
	if es.code == nil {
		return 0, false
	}
	return *es.code, true
}

type pooledState struct {
	L       *lua.LState
	exited  *exitState
	release func()
	iso     *isolation // nil for a state that is not pooled
	mod     *luamod.Module
	// stdout is the state's standard output, set for each run.
	stdout *luastd.Stdout
	// clock is where os.clock counts from, reset for each run.
	clock *luastd.Clock
}

func (ps *pooledState) close() {
	ps.release()
	luastd.Forget(ps.L)
	ps.L.Close()
}

// buildState builds a Lua state with the libraries, the store module, the
// errors global and the runtime's preloads. cancel is called by os.exit so
// that a script that catches the exit still stops.
func (rt *Runtime) buildState(cancel context.CancelFunc) *pooledState {
	L := lua.NewState(luastd.Options())
	libs := []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
	}
	if !rt.sandbox {
		libs = append(libs,
			struct {
				name string
				open lua.LGFunction
			}{lua.IoLibName, lua.OpenIo},
			struct {
				name string
				open lua.LGFunction
			}{lua.DebugLibName, lua.OpenDebug})
	}
	for _, lib := range libs {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	luastd.Open(L)
	stdout := luastd.OpenStdout(L)
	clock := luastd.OpenClock(L)
	es := &exitState{}
	ud := L.NewUserData()
	ud.Value = es
	L.SetField(L.Get(lua.RegistryIndex), exitKey, ud)
	// gopher-lua's register dump (a debugging aid) and its version string
	// are not Lua 5.1: scripts see the globals PUC Lua has.
	L.SetGlobal("_printregs", lua.LNil)
	L.SetGlobal("_GOPHER_LUA_VERSION", lua.LNil)
	osTable := L.GetGlobal("os").(*lua.LTable)
	if rt.sandbox {
		sandbox(L, osTable)
	} else {
		L.SetField(osTable, "exit", L.NewFunction(func(L *lua.LState) int {
			code := exitStatus(L)
			es.code = &code
			if cancel == nil {
				cancel = es.cancel
			}
			if cancel != nil {
				cancel()
			}
			L.RaiseError("os.exit(%d)", code)
			return 0
		}))
	}
	L.SetGlobal("assert", L.NewFunction(luaAssert))
	// As in Lua 5.1, strings index a metatable of their own whose __index
	// is the string table; gopher-lua makes the string table its own
	// metatable, which hands ("").__index, the library itself, to scripts.
	strlib := L.GetGlobal("string").(*lua.LTable)
	strlib.RawSetString("__index", lua.LNil)
	strMeta := L.CreateTable(0, 1)
	strMeta.RawSetString("__index", strlib)
	L.SetMetatable(lua.LString(""), strMeta)
	mod := luamod.Open(L, luamod.Options{Resolver: storeResolver{rt}, Redact: rt.redactExcept})
	L.SetGlobal(luamod.ModuleName, mod.Table())
	// The store module is loaded from the start, as the libraries are, so
	// package.loaded.store and require("store") are the store global.
	L.SetField(L.GetField(L.Get(lua.RegistryIndex), "_LOADED"), luamod.ModuleName, mod.Table())
	for name, loader := range rt.preloads {
		L.PreloadModule(name, loader)
	}
	return &pooledState{L: L, exited: es, release: mod.Close, mod: mod, stdout: stdout, clock: clock}
}

// exitStatus checks the argument of os.exit([status]): none or nil is 0,
// true 0 and false 1 as in Lua 5.1, and a number must be an integer from 0
// to 255, the statuses a process can return. Anything else (a string, NaN,
// 256, -1, 1.5) raises an argument error instead of exiting with a status
// the script did not ask for; unlike Lua 5.1, a numeric string is not
// converted.
func exitStatus(L *lua.LState) int {
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
		return 0
	case lua.LBool:
		if v {
			return 0
		}
		return 1
	case lua.LNumber:
		f := float64(v)
		if f >= 0 && f <= 255 && f == math.Trunc(f) {
			return int(f)
		}
		L.ArgError(1, fmt.Sprintf("exit status must be an integer from 0 to 255, got %s", v))
	default:
		L.ArgError(1, "exit status must be a boolean or an integer from 0 to 255, got "+v.Type().String())
	}
	return 0
}

// sandbox removes io, file loading and every os function but time, clock
// and date (so os.exit too: a sandboxed script cannot end its host).
func sandbox(L *lua.LState, osTable *lua.LTable) {
	keep := map[string]bool{"time": true, "clock": true, "date": true}
	var drop []string
	osTable.ForEach(func(k, _ lua.LValue) {
		if !keep[k.String()] {
			drop = append(drop, k.String())
		}
	})
	for _, k := range drop {
		osTable.RawSetString(k, lua.LNil)
	}
	L.SetGlobal("loadfile", lua.LNil)
	L.SetGlobal("dofile", lua.LNil)
	pkg := L.GetGlobal("package").(*lua.LTable)
	// require reads the loaders from the registry, not from package:
	// trim that table in place to the preload searcher alone.
	loaders := pkg.RawGetString("loaders").(*lua.LTable)
	for loaders.Len() > 1 {
		loaders.Remove(loaders.Len())
	}
	pkg.RawSetString("path", lua.LString(""))
	pkg.RawSetString("loadlib", lua.LNil)
}

// statePool keeps ready Lua states for Do and RunString.
type statePool struct {
	mu     sync.Mutex
	free   []*pooledState
	closed bool
	// shared makes states without isolation, whose runs share globals
	// and libraries; only benchmarks set it, to measure what isolation
	// costs.
	shared bool
}

func (p *statePool) get(rt *Runtime) *pooledState {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	if n := len(p.free); n > 0 {
		ps := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return ps
	}
	p.mu.Unlock()
	ps := rt.buildState(nil)
	if !p.shared {
		ps.iso = newIsolation(ps.L)
	}
	return ps
}

func (p *statePool) put(ps *pooledState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= 64 {
		ps.close()
		return
	}
	p.free = append(p.free, ps)
}

func (p *statePool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, ps := range p.free {
		ps.close()
	}
	p.free = nil
}

// toGo converts a Lua result to the Go value a store would give for it
// (through the same MessagePack encoding); values a store cannot hold, such
// as functions, become their text form, and an error value its message
// ("NOT_FOUND: ...", as tostring gives it). ctx is the run's: a table is
// converted within its limits (see resultError).
func toGo(ctx context.Context, v lua.LValue) (any, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LString:
		return string(v), nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		// The number a store holds as a MessagePack integer (see
		// luamod.Encode) is an int64; any other a float64.
		if f := float64(v); f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && (f != 0 || !math.Signbit(f)) {
			return int64(f), nil
		}
		return float64(v), nil
	case *lua.LUserData:
		if le, ok := luamod.AsError(v); ok {
			return le.Error(), nil
		}
	}
	return toGoEncoded(ctx, v)
}

// resultFunc names the conversion of results in memory-limit errors.
const resultFunc = "the result"

// toGoEncoded is toGo through MessagePack, for tables and the values a
// store cannot hold. The encoding stops when ctx is done or would pass
// ctx's memory cap, and the Go value, about as large as the encoding, is
// charged to the cap before it is built: these return an error.
func toGoEncoded(ctx context.Context, v lua.LValue) (any, error) {
	b, err := luamod.EncodeContext(ctx, v, resultFunc)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, luastd.ErrMemoryLimit) {
			return nil, err
		}
		return v.String(), nil
	}
	if err := luastd.Reserve(ctx, resultFunc, int64(len(b))); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out any
	if err := Unmarshal(b, &out); err != nil {
		return v.String(), nil
	}
	return out, nil
}

// resultError returns the error of a run whose result n (from 1) could
// not be converted, err from toGo, as its other errors read: a
// *ScriptError whose Cause is the context's error when the run's context
// stopped the conversion, or an INVALID *luamod.Error matching
// luastd.ErrMemoryLimit when its memory cap refused it.
func resultError(ctx context.Context, L *lua.LState, n int, err error) error {
	if ctx.Err() != nil || L.Context().Err() != nil {
		return scriptError(ctx, L, fmt.Errorf("result %d: %w", n, err))
	}
	le := &luamod.Error{Kind: luamod.KindInvalid, Message: fmt.Sprintf("result %d: %s", n, err), Err: err}
	return &ScriptError{Message: le.Error(), Cause: le}
}

// luaAssert is assert that takes any message value, as Lua 5.3 does, so
// the idiom assert(store.get(id)) raises the error value's text (with the
// caller's position) instead of "string expected, got userdata".
func luaAssert(L *lua.LState) int {
	if lua.LVAsBool(L.Get(1)) {
		return L.GetTop()
	}
	msg := L.Get(2)
	switch msg.(type) {
	case *lua.LNilType:
		L.RaiseError("assertion failed!")
	case lua.LString, lua.LNumber:
		L.RaiseError("%s", msg.String())
	}
	L.RaiseError("%s", errorText(L, msg))
	return 0
}

// withSecurity puts the run's security context in ctx for Go code the
// script calls (security.FromContext).
func withSecurity(ctx context.Context, sec *security.Context) context.Context {
	if sec == nil {
		return ctx
	}
	return security.NewContext(ctx, sec)
}
