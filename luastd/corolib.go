package luastd

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// MaxCoroutineDepth is how many coroutines may be resuming one another at
// once (each inside the last). A resume past it fails as in Lua 5.1, whose
// C stack allows the same depth: false and "C stack overflow".
const MaxCoroutineDepth = 197

// Coroutine statuses, as coroutine.status returns them (Lua 5.1).
const (
	statusRunning   = "running"
	statusSuspended = "suspended"
	statusNormal    = "normal"
	statusDead      = "dead"
)

// errYieldBoundary is Lua 5.1's error for a yield that would cross a Go
// function (pcall, a metamethod, an iterator, a library callback) or that
// has no coroutine to return to.
const errYieldBoundary = "attempt to yield across metamethod/C-call boundary"

// openCoroutine replaces create, resume, wrap, status, running and yield of
// the coroutine table co, keeping gopher-lua's create and resume (captured
// from co) to build and switch threads.
//
// gopher-lua gives a thread the context of the state that created it, for
// good: a coroutine made without a context, or under an earlier run's,
// never sees the current run's deadline, and resuming a coroutine that is
// itself resuming another (gopher-lua does not refuse it) re-enters the Go
// function on top of its stack again and again without running a Lua
// instruction, where the VM looks at the context. Here every resume first
// looks at the run's context, refuses what Lua 5.1 refuses (a running,
// normal or dead coroutine, a chain deeper than MaxCoroutineDepth), and
// gives the thread the resumer's context, so the deadline, cancellation and
// memory cap of the run resuming it are the ones it runs under.
func openCoroutine(L *lua.LState, co *lua.LTable) {
	create, _ := co.RawGetString("create").(*lua.LFunction)
	resume, _ := co.RawGetString("resume").(*lua.LFunction)
	if create == nil || resume == nil || !create.IsG || !resume.IsG {
		return
	}
	c := coroutines{create: create.GFunction, resume: resume.GFunction}
	funcs := map[string]lua.LGFunction{
		"create":  c.coCreate,
		"resume":  c.coResume,
		"wrap":    c.coWrap,
		"status":  coStatus,
		"running": coRunning,
		"yield":   coYield,
	}
	for name, fn := range funcs {
		co.RawSetString(name, L.NewFunction(fn))
	}
}

// coroutines holds gopher-lua's own create and resume.
type coroutines struct {
	create, resume lua.LGFunction
}

// newThread makes a suspended coroutine of the Lua function at argument 1
// of fn. The thread is made without a context: it takes its resumer's at
// every resume, so it holds no context of its own to outlive a run.
func (c coroutines) newThread(L *lua.LState, fn string) *lua.LState {
	f, ok := L.Get(1).(*lua.LFunction)
	if !ok || f.IsG {
		argError(L, 1, fn, "Lua function expected")
	}
	L.SetTop(1)
	if ctx := L.RemoveContext(); ctx != nil {
		defer L.SetContext(ctx)
	}
	c.create(L)
	th := L.Get(-1).(*lua.LState)
	L.Pop(1)
	return th
}

// coCreate is coroutine.create(f): a new suspended coroutine that runs the
// Lua function f (Lua 5.1 refuses Go functions too).
func (c coroutines) coCreate(L *lua.LState) int {
	L.Push(c.newThread(L, "create"))
	return 1
}

// coResume is coroutine.resume(co, ...): true and what co yields or
// returns, or false and the error (co's, or why it cannot be resumed).
func (c coroutines) coResume(L *lua.LState) int {
	th, ok := L.Get(1).(*lua.LState)
	if !ok {
		argError(L, 1, "resume", "coroutine expected")
	}
	msg, returned := c.start(L, th, L.GetTop()-1)
	switch {
	case msg != "":
		L.Push(lua.LFalse)
		L.Push(lua.LString(msg))
		return 2
	case returned:
		checkResults(L, 1, L.GetTop()-1)
		L.Insert(lua.LTrue, 2)
		return L.GetTop() - 1
	}
	n := c.resume(L) // true or false, and the values
	if L.Get(L.GetTop()-n+1) == lua.LTrue {
		checkResults(L, 1, n-1) // resume holds co
	}
	return n
}

// start prepares th to be resumed by L with the nargs values on top of L's
// stack: it raises the run's context error if the run is over, and
// returns why th cannot be resumed (Lua 5.1's text), or "" after giving th
// L's context and pushing nils for results th's yield wants beyond nargs.
// returned is true when th yielded from its body's tail call (return
// coroutine.yield(...)): th is then dead, and the resume returns its
// arguments as th's results.
func (c coroutines) start(L *lua.LState, th *lua.LState, nargs int) (msg string, returned bool) {
	Check(L)
	st := status(L, th)
	if !checkCStack(L, cStackUsed(L, th, st), nargs) { // Lua 5.1 checks before the status
		raise(L, "too many arguments to resume")
	}
	if st != statusSuspended {
		return "cannot resume " + st + " coroutine", false
	}
	if depth(L) >= MaxCoroutineDepth {
		return "C stack overflow", false
	}
	if ctx := th.Context(); ctx != nil { // resumed before
		if _, ok := th.GetStack(0); !ok {
			// It yielded in a tail call from its body (return
			// coroutine.yield(...)), which replaced the body's frame:
			// gopher-lua has nothing left to run (and would crash), Lua
			// 5.1 returns the resume's arguments as the body's results.
			th.RemoveContext()
			th.Dead = true
			return "", true
		}
		if want, ok := ctx.Value(yieldWant{}).(int); ok && want > 0 {
			for ; nargs < want; nargs++ {
				L.Push(lua.LNil)
			}
		}
	}
	// A context even when L has none marks th as started.
	ctx := L.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if th.Context() == nil {
		ctx = &panicHook{Context: ctx, th: th}
	}
	th.SetContext(ctx)
	return "", false
}

// cStackUsed is how many values th, of status st seen from L, holds on its
// part of the stack in Lua 5.1 when a resume looks whether the arguments
// fit (see checkCStack): a new coroutine holds its function, a suspended
// or dead one nothing, the running one its resume's arguments, and a
// normal one the coroutine it resumes. (Lua 5.1's count for a coroutine
// that died by an error is what the failing function held; it counts
// nothing here.)
func cStackUsed(L, th *lua.LState, st string) int {
	switch st {
	case statusRunning:
		return L.GetTop()
	case statusNormal:
		return 1
	case statusSuspended:
		if th.Context() == nil { // never resumed
			return 1
		}
	}
	return 0
}

// checkResults raises Lua 5.1's error when a resume's nres results do not
// fit beside the used values its function holds, with room for one more
// (the true coroutine.resume returns first).
func checkResults(L *lua.LState, used, nres int) {
	if !checkCStack(L, used, nres+1) {
		raise(L, "too many results to resume")
	}
}

// panicHook is the context a coroutine is first resumed under, until it
// runs: the coroutine's first look at it (gopher-lua's VM looks before
// every instruction) gives the coroutine the Panic function that words the
// VM's errors as Lua 5.1 does (see rewriteVMError), in place of the one
// gopher-lua gives a coroutine when it starts, and puts the resumer's
// context back. The coroutine keeps that Panic function for good.
type panicHook struct {
	context.Context
	th *lua.LState
}

// Done is the resumer's context's Done.
func (h *panicHook) Done() <-chan struct{} {
	if statePaths != nil {
		h.th.Panic = panicLua51
	}
	h.th.SetContext(h.Context)
	return h.Context.Done()
}

// coWrap is coroutine.wrap(f): a function that resumes a new coroutine of
// f with its arguments and returns what it yields or returns; an error
// (the coroutine's, or why it cannot be resumed) is raised in the caller,
// a string one with the caller's position in front, as in Lua 5.1.
func (c coroutines) coWrap(L *lua.LState) int {
	th := c.newThread(L, "wrap")
	L.Push(L.NewClosure(c.wrapped, th))
	return 1
}

func (c coroutines) wrapped(L *lua.LState) int {
	th := L.Get(lua.UpvalueIndex(1)).(*lua.LState)
	msg, returned := c.start(L, th, L.GetTop())
	switch {
	case msg != "":
		raise(L, "%s", msg)
	case returned:
		checkResults(L, 0, L.GetTop())
		return L.GetTop()
	}
	L.Insert(th, 1)
	n := c.resume(L) // th, then true or false and the values
	if L.Get(L.GetTop()-n+1) == lua.LTrue {
		checkResults(L, 0, n-1)
		return n - 1
	}
	v := L.Get(-1)
	switch v.(type) {
	case lua.LString, lua.LNumber:
		raise(L, "%s", ToString(L, v))
	}
	L.Error(v, 0)
	return 0
}

// coStatus is coroutine.status(co): "running", "suspended", "normal" (it
// resumed the running coroutine, directly or not) or "dead".
func coStatus(L *lua.LState) int {
	th, ok := L.Get(1).(*lua.LState)
	if !ok {
		argError(L, 1, "status", "coroutine expected")
	}
	L.Push(lua.LString(status(L, th)))
	return 1
}

// status is th's status seen from L, the running thread.
func status(L, th *lua.LState) string {
	switch {
	case th.Dead:
		return statusDead
	case th == L:
		return statusRunning
	}
	for t := L.Parent; t != nil; t = t.Parent {
		if t == th {
			return statusNormal
		}
	}
	return statusSuspended
}

// depth is how many coroutines are resuming, L's included.
func depth(L *lua.LState) int {
	n := 0
	for t := L; t.Parent != nil; t = t.Parent {
		n++
	}
	return n
}

// coRunning is coroutine.running(): the running coroutine, or nil in the
// main thread (Lua 5.1).
func coRunning(L *lua.LState) int {
	if L.Parent == nil && L == L.G.MainThread {
		L.Push(lua.LNil)
	} else {
		L.Push(L)
	}
	return 1
}

// coYield is coroutine.yield(...): it suspends the running coroutine,
// which resume returns the arguments from. As in Lua 5.1 it fails outside
// a coroutine and across a Go function between the yield and the
// coroutine's body (pcall, xpcall, a metamethod, a for iterator, a
// library's callback): gopher-lua would return from the innermost Go call
// instead, corrupting the coroutine.
//
// gopher-lua resumes the coroutine after the yield's call without filling
// the results the call wants beyond the values resume passes: the yield
// records, in the coroutine's context, how many its call wants, and the
// next resume passes nils for the missing ones.
func coYield(L *lua.LState) int {
	if L.Parent == nil || crossesGo(L) {
		L.Error(lua.LString(errYieldBoundary), 0)
	}
	if want := wantedResults(L); want > 0 {
		ctx := L.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		L.SetContext(context.WithValue(ctx, yieldWant{}, want))
	}
	return -1
}

// yieldWant is the key of the count of results a suspended coroutine's
// yield call wants, in the coroutine's context.
type yieldWant struct{}

// wantedResults is how many results the call of the running Go function
// wants, or -1 for all of them (or when it cannot be told): the NRet of
// its call frame, which gopher-lua does not export.
func wantedResults(L *lua.LState) int {
	dbg, ok := L.GetStack(0)
	if !ok || framePaths == nil {
		return -1
	}
	frame := reflect.ValueOf(dbg).Elem().Field(framePaths.frame)
	if frame.IsNil() {
		return -1
	}
	return int(frame.Elem().Field(framePaths.nret).Int())
}

// crossesGo reports whether a Go call lies between the running yield and
// its coroutine's body: a Go function's frame (pcall, a library callback),
// or a Lua frame its caller did not call with a call instruction (a
// metamethod, a for iterator, which gopher-lua's VM calls from Go). It
// reads gopher-lua's call frames (unexported) through reflection, and
// falls back to reading the Go stack when they are not as expected.
func crossesGo(L *lua.LState) bool {
	dbg, ok := L.GetStack(0)
	if !ok || framePaths == nil {
		return crossesGoStack()
	}
	p := framePaths
	f := reflect.ValueOf(dbg).Elem().Field(p.frame)
	for {
		if f.IsNil() {
			return crossesGoStack()
		}
		parent := f.Elem().Field(p.parent)
		if parent.IsNil() {
			return false // f is the coroutine's body
		}
		fn := parent.Elem().Field(p.fn)
		if fn.IsNil() || fn.Elem().Field(p.isG).Bool() {
			return true
		}
		code := fn.Elem().Field(p.proto).Elem().Field(p.code)
		pc := int(parent.Elem().Field(p.pc).Int())
		if pc < 1 || pc > code.Len() {
			return true
		}
		if op := int(code.Index(pc-1).Uint() >> 26); op != lua.OP_CALL && op != lua.OP_TAILCALL {
			return true
		}
		f = parent
	}
}

// callFramePaths are the field indexes crossesGo and wantedResults read
// gopher-lua's call frames with.
type callFramePaths struct {
	frame                int // lua.Debug's *callFrame
	parent, fn, pc, nret int // callFrame's
	isG, proto, code     int // LFunction's and FunctionProto's
}

// framePaths is nil when gopher-lua's types lack a field it needs.
var framePaths = func() *callFramePaths {
	field := func(t reflect.Type, name string, kind reflect.Kind) (int, reflect.Type, bool) {
		if t.Kind() != reflect.Struct {
			return 0, nil, false
		}
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 || f.Type.Kind() != kind {
			return 0, nil, false
		}
		return f.Index[0], f.Type, true
	}
	var p callFramePaths
	var ok [8]bool
	var frameT, fnT, protoT reflect.Type
	p.frame, frameT, ok[0] = field(reflect.TypeFor[lua.Debug](), "frame", reflect.Pointer)
	if !ok[0] {
		return nil
	}
	frameT = frameT.Elem()
	p.parent, _, ok[1] = field(frameT, "Parent", reflect.Pointer)
	p.fn, fnT, ok[2] = field(frameT, "Fn", reflect.Pointer)
	p.pc, _, ok[3] = field(frameT, "Pc", reflect.Int)
	p.nret, _, ok[4] = field(frameT, "NRet", reflect.Int)
	if !ok[2] {
		return nil
	}
	p.isG, _, ok[5] = field(fnT.Elem(), "IsG", reflect.Bool)
	p.proto, protoT, ok[6] = field(fnT.Elem(), "Proto", reflect.Pointer)
	if !ok[6] {
		return nil
	}
	var codeT reflect.Type
	p.code, codeT, ok[7] = field(protoT.Elem(), "Code", reflect.Slice)
	for _, o := range ok {
		if !o {
			return nil
		}
	}
	if codeT.Elem().Kind() != reflect.Uint32 {
		return nil
	}
	return &p
}()

// crossesGoStack is crossesGo read from the Go stack (slower: about a
// microsecond): gopher-lua runs Lua calls in one loop of its VM (mainLoop)
// per coroutine resume (threadRun) and enters a new loop for each call
// made from Go, so a second loop frame before the coroutine's base is a
// Go boundary.
func crossesGoStack() bool {
	var pcs [8]uintptr
	loops := 0
	for skip := 2; ; {
		n := runtime.Callers(skip, pcs[:])
		for _, pc := range pcs[:n] {
			switch frameKind(pc) {
			case frameBase:
				return false
			case frameLoop:
				if loops++; loops > 1 {
					return true
				}
			}
		}
		if n < len(pcs) {
			return false // no coroutine base: gopher-lua reports the misuse
		}
		skip += n
	}
}

// Kinds of Go stack frames crossesGo tells apart.
const (
	frameOther = iota
	frameLoop  // gopher-lua's VM loop
	frameBase  // gopher-lua's start of a coroutine resume
)

// frameKinds caches frameKind by return address: there are as many as
// call sites in the program, so it stays small.
var frameKinds sync.Map // uintptr -> int

// frameKind classifies the function a return address pc is in.
func frameKind(pc uintptr) int {
	if k, ok := frameKinds.Load(pc); ok {
		return k.(int)
	}
	k := frameOther
	if f := runtime.FuncForPC(pc - 1); f != nil {
		name := f.Name()
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		switch name {
		case "gopher-lua.threadRun":
			k = frameBase
		case "gopher-lua.mainLoop", "gopher-lua.mainLoopWithContext":
			k = frameLoop
		}
	}
	frameKinds.Store(pc, k)
	return k
}
