package luastd

import (
	"fmt"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// errErrorHandling is Lua 5.1's result of xpcall when its message handler
// fails or is not a function.
const errErrorHandling = "error in error handling"

// basePCall is pcall(f, ...): true and f's results, or false and the
// error value, as in Lua 5.1. Only the upvalues of the frames the error
// unwinds are closed (see PCall).
func basePCall(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, calledName(L, "pcall"), "value expected")
	}
	if msg := notCallable(L, L.Get(1)); msg != "" {
		L.Push(lua.LFalse)
		L.Push(lua.LString(msg))
		return 2
	}
	if err := PCall(L, L.GetTop()-1, lua.MultRet, nil); err != nil {
		L.Push(lua.LFalse)
		L.Push(errorValue(err))
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// baseXPCall is Lua 5.1's xpcall(f, handler): f is called without
// arguments; on an error, handler gets the error value before the stack
// unwinds, and xpcall returns false and handler's first result, or "error
// in error handling" when handler fails or is not a function.
func baseXPCall(L *lua.LState) int {
	if L.GetTop() < 2 {
		argError(L, 2, calledName(L, "xpcall"), "value expected")
	}
	L.SetTop(2)
	f, handler := L.Get(1), L.Get(2)
	L.SetTop(0)
	if msg := notCallable(L, f); msg != "" {
		f = L.NewFunction(func(L *lua.LState) int {
			L.Error(lua.LString(msg), 0)
			return 0
		})
	}
	errfunc := L.NewFunction(func(L *lua.LState) int {
		v := L.Get(1)
		L.SetTop(0)
		hf, ok := handler.(*lua.LFunction)
		if !ok {
			L.Push(lua.LString(errErrorHandling))
			return 1
		}
		L.Push(hf)
		L.Push(v)
		if err := PCall(L, 1, 1, nil); err != nil {
			L.SetTop(0)
			L.Push(lua.LString(errErrorHandling))
		}
		return 1
	})
	L.Push(f)
	if err := PCall(L, 0, lua.MultRet, errfunc); err != nil {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(errorValue(err))
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// calledName is the name Lua 5.1's argument errors give the running
// function: name, or "?" when a Go function (e.g. pcall) called it, as
// the name then is unknown.
func calledName(L *lua.LState, name string) string {
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.What == "G" {
			return "?"
		}
	}
	return name
}

// notCallable returns Lua 5.1's error for calling v ("attempt to call a
// number value"), or "" when v is a function or has a __call metamethod.
func notCallable(L *lua.LState, v lua.LValue) string {
	if v.Type() == lua.LTFunction || L.GetMetaField(v, "__call").Type() == lua.LTFunction {
		return ""
	}
	return "attempt to call a " + v.Type().String() + " value"
}

// errorValue is the Lua value of an error of PCall.
func errorValue(err error) lua.LValue {
	if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
		return ae.Object
	}
	return lua.LString(err.Error())
}

// PCall is L.PCall(nargs, nret, errfunc) (lua_pcall) keeping Lua 5.1's
// upvalues right, which gopher-lua does not: an error inside the call
// closes no upvalue of a frame outside it (gopher-lua closes those of
// every frame of the thread when no message handler is active, or when it
// cannot call the handler, as after a call-stack overflow), and a failed
// call closes the upvalues of every frame it unwinds (gopher-lua leaves
// them open when a handler is active, on registers later calls reuse), as
// luaD_pcall does. errfunc runs before the stack unwinds, as in Lua 5.1,
// even after a call-stack overflow: frames at the top of the overflowed
// stack are dropped to make room for it. Scripts' pcall and xpcall, and
// the host's runs, call through it. Unlike gopher-lua's, the error of a
// call without errfunc has no StackTrace. When gopher-lua's state lacks a
// field it needs (see stateFields), it is L.PCall unchanged.
func PCall(L *lua.LState, nargs, nret int, errfunc *lua.LFunction) (err error) {
	p := statePaths
	if p == nil {
		return L.PCall(nargs, nret, errfunc)
	}
	ptr := unsafe.Pointer(L)
	framePtr := (*unsafe.Pointer)(unsafe.Add(ptr, p.currentFrame))
	frame := *framePtr
	// The called function's slot, as a stack index (top) and as a
	// register (base), and how many call frames are below the call (sp).
	top := L.GetTop() - nargs - 1
	base, sp := top, 0
	if frame != nil {
		base += *(*int)(unsafe.Add(frame, p.localBase))
		sp = *(*int)(unsafe.Add(frame, p.frameIdx)) + 1
	}
	hasErrorFunc := (*bool)(unsafe.Add(ptr, p.hasErrorFunc))
	savedHasErrorFunc, savedPanic := *hasErrorFunc, L.Panic
	// With a handler marked active, gopher-lua's errors close no upvalue:
	// the recover below closes those of the frames the error unwinds,
	// while their registers still hold the values.
	*hasErrorFunc = true
	L.Panic = panicLua51
	defer func() {
		rcv := recover()
		if rcv == nil {
			if sp == 0 {
				*framePtr = nil // as gopher-lua's PCall leaves it
			}
			L.Panic = savedPanic
			*hasErrorFunc = savedHasErrorFunc
			return
		}
		err = pcallError(rcv)
		if errfunc != nil {
			err = callHandler(L, errfunc, err.(*lua.ApiError), sp)
		}
		closeUpvalues(L, base)
		p.stack(L).SetSp(sp)
		*framePtr = frame
		L.SetTop(top)
		L.Panic = savedPanic
		*hasErrorFunc = savedHasErrorFunc
	}()
	L.Call(nargs, nret)
	return nil
}

// panicLua51 is the Panic function of a state while PCall runs, and of a
// running coroutine: it raises the error value on top of the stack as a
// *lua.ApiError, to PCall's recover or the coroutine's resume, as
// gopher-lua's does, in Lua 5.1's words when the VM raised it (see
// rewriteVMError).
func panicLua51(L *lua.LState) {
	rewriteVMError(L)
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
}

// pcallError is the *lua.ApiError of a value PCall recovered: the error
// a Lua error raised, or a Go panic's value as text.
func pcallError(rcv any) error {
	if ae, ok := rcv.(*lua.ApiError); ok {
		return ae
	}
	return &lua.ApiError{Type: lua.ApiErrorPanic, Object: lua.LString(fmt.Sprint(rcv))}
}

// handlerRoom is how many call frames PCall frees at the top of a full
// call stack for the message handler, which Lua 5.1 keeps room for: the
// handler, what it calls (xpcall's handler calls the script's), and a
// little more for the script's handler to call functions.
const handlerRoom = 16

// callHandler calls errfunc with the error value of ae, on the stack of
// the failed call (frames above sp), and returns its first result as the
// error, or the error errfunc raised. When the call stack is full (a
// stack overflow) it first drops up to handlerRoom frames from its top,
// keeping those at or below sp; when that leaves no room, ae is returned.
func callHandler(L *lua.LState, errfunc *lua.LFunction, ae *lua.ApiError, sp int) (err error) {
	stack := statePaths.stack(L)
	if stack.IsFull() {
		n := max(stack.Sp()-handlerRoom, sp)
		if n == stack.Sp() {
			return ae
		}
		stack.SetSp(n)
		*(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(L), statePaths.currentFrame)) = statePaths.lastFrame(stack)
	}
	defer func() {
		if rcv := recover(); rcv != nil {
			err = pcallError(rcv)
		}
	}()
	L.Push(errfunc)
	L.Push(ae.Object)
	L.Call(1, 1)
	return &lua.ApiError{Type: lua.ApiErrorError, Object: L.Get(-1)}
}

// closeUpvalues closes L's open upvalues on registers at or above base
// and drops them from its list of open upvalues (gopher-lua's, ordered by
// register, lowest first), as luaF_close does.
func closeUpvalues(L *lua.LState, base int) {
	p := statePaths
	link := (**lua.Upvalue)(unsafe.Add(unsafe.Pointer(L), p.uvcache))
	for uv := *link; uv != nil; uv = *link {
		if *(*int)(unsafe.Add(unsafe.Pointer(uv), p.uvIndex)) >= base {
			*link = nil
			for uv != nil {
				next := (**lua.Upvalue)(unsafe.Add(unsafe.Pointer(uv), p.uvNext))
				uv.Close()
				uv, *next = *next, nil
			}
			return
		}
		link = (**lua.Upvalue)(unsafe.Add(unsafe.Pointer(uv), p.uvNext))
	}
}

// openUpvalues is how many upvalues of L are open (on registers).
func openUpvalues(L *lua.LState) int {
	p := statePaths
	n := 0
	uv := *(**lua.Upvalue)(unsafe.Add(unsafe.Pointer(L), p.uvcache))
	for ; uv != nil; uv = *(**lua.Upvalue)(unsafe.Add(unsafe.Pointer(uv), p.uvNext)) {
		n++
	}
	return n
}

// OpenUpvalues is how many upvalues of L are open, i.e. still on the
// registers of a running frame, or -1 when it cannot be told. Between runs
// it is 0.
func OpenUpvalues(L *lua.LState) int {
	if statePaths == nil {
		return -1
	}
	return openUpvalues(L)
}

// stateFields are the byte offsets of the unexported fields of gopher-lua's
// LState, call frame and Upvalue that PCall reads and writes, and the type
// of the state's call stack.
type stateFields struct {
	currentFrame, uvcache, hasErrorFunc uintptr // LState's
	callStack                           uintptr // LState's
	callStackT                          reflect.Type
	localBase, frameIdx, framePc        uintptr // callFrame's
	frameFn, frameParent, frameNArgs    uintptr // callFrame's
	uvNext, uvIndex                     uintptr // Upvalue's
}

// frameStack is the part of gopher-lua's call stack PCall uses on an
// error; Last is called through reflection, as it returns an unexported
// type.
type frameStack interface {
	Sp() int
	SetSp(sp int)
	IsFull() bool
}

// stack is L's call stack.
func (p *stateFields) stack(L *lua.LState) frameStack {
	v := reflect.NewAt(p.callStackT, unsafe.Add(unsafe.Pointer(L), p.callStack)).Elem()
	return v.Interface().(frameStack)
}

// lastFrame is the top frame of stack (nil when it is empty).
func (p *stateFields) lastFrame(stack frameStack) unsafe.Pointer {
	return reflect.ValueOf(stack).MethodByName("Last").Call(nil)[0].UnsafePointer()
}

// statePaths is nil when gopher-lua's types lack a field PCall needs, or
// have it with another type.
var statePaths = func() *stateFields {
	field := func(t reflect.Type, name string, want reflect.Type) (uintptr, bool) {
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 || f.Type != want {
			return 0, false
		}
		return f.Offset, true
	}
	stateT := reflect.TypeFor[lua.LState]()
	uvT := reflect.TypeFor[lua.Upvalue]()
	uvPtr := reflect.TypeFor[*lua.Upvalue]()
	cf, ok := stateT.FieldByName("currentFrame")
	if !ok || len(cf.Index) != 1 || cf.Type.Kind() != reflect.Pointer || cf.Type.Elem().Kind() != reflect.Struct {
		return nil
	}
	st, ok := stateT.FieldByName("stack")
	if !ok || len(st.Index) != 1 || st.Type.Kind() != reflect.Interface || !st.Type.Implements(reflect.TypeFor[frameStack]()) {
		return nil
	}
	if last, ok := st.Type.MethodByName("Last"); !ok || last.Type.NumIn() != 0 || last.Type.NumOut() != 1 || last.Type.Out(0) != cf.Type {
		return nil
	}
	p := stateFields{currentFrame: cf.Offset, callStack: st.Offset, callStackT: st.Type}
	var oks [10]bool
	p.uvcache, oks[0] = field(stateT, "uvcache", uvPtr)
	p.hasErrorFunc, oks[1] = field(stateT, "hasErrorFunc", reflect.TypeFor[bool]())
	p.localBase, oks[2] = field(cf.Type.Elem(), "LocalBase", reflect.TypeFor[int]())
	p.frameIdx, oks[3] = field(cf.Type.Elem(), "Idx", reflect.TypeFor[int]())
	p.uvNext, oks[4] = field(uvT, "next", uvPtr)
	p.uvIndex, oks[5] = field(uvT, "index", reflect.TypeFor[int]())
	p.framePc, oks[6] = field(cf.Type.Elem(), "Pc", reflect.TypeFor[int]())
	p.frameFn, oks[7] = field(cf.Type.Elem(), "Fn", reflect.TypeFor[*lua.LFunction]())
	p.frameParent, oks[8] = field(cf.Type.Elem(), "Parent", cf.Type)
	p.frameNArgs, oks[9] = field(cf.Type.Elem(), "NArgs", reflect.TypeFor[int]())
	for _, o := range oks {
		if !o {
			return nil
		}
	}
	return &p
}()
