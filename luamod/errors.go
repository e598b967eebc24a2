package luamod

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luastd"
)

// Error kinds, as seen by scripts through the errors global. The values are
// Wippy's (errors.NOT_FOUND == "NotFound"), so code that compares err:kind()
// with them carries over; KindUnknown, the kind of an error made without
// one, is the empty string.
const (
	KindInvalid          = "Invalid"
	KindNotFound         = "NotFound"
	KindAlreadyExists    = "AlreadyExists"
	KindConflict         = "Conflict"
	KindUnavailable      = "Unavailable"
	KindTimeout          = "Timeout"
	KindCanceled         = "Canceled"
	KindPermissionDenied = "PermissionDenied"
	KindInternal         = "Internal"
	KindRateLimited      = "RateLimited"
	KindUnknown          = ""
)

// kinds lists every kind with the name of its constant in the errors
// global, in the order the global documents them.
var kinds = [...]struct{ name, value string }{
	{"INVALID", KindInvalid},
	{"NOT_FOUND", KindNotFound},
	{"ALREADY_EXISTS", KindAlreadyExists},
	{"CONFLICT", KindConflict},
	{"UNAVAILABLE", KindUnavailable},
	{"TIMEOUT", KindTimeout},
	{"CANCELED", KindCanceled},
	{"PERMISSION_DENIED", KindPermissionDenied},
	{"INTERNAL", KindInternal},
	{"RATE_LIMITED", KindRateLimited},
	{"UNKNOWN", KindUnknown},
}

// KindName returns the name of kind's constant in the errors global
// ("NOT_FOUND" for KindNotFound), or kind itself for a kind of the
// script's own.
func KindName(kind string) string {
	for _, k := range kinds {
		if k.value == kind {
			return k.name
		}
	}
	return kind
}

// normalizeKind maps a constant's name ("NOT_FOUND", as Wippy's older
// errors.new(kind, message) form and older luahost scripts spell kinds) to
// its value; any other string is returned unchanged.
func normalizeKind(s string) string {
	for _, k := range kinds {
		if k.name == s {
			return k.value
		}
	}
	return s
}

// KindOf returns the error kind a script sees for err: the Kind of an
// *Error in its chain, else the kind of the backends sentinel or context
// error it wraps, KindInternal for errors of no known kind, and
// KindUnknown ("") for nil.
func KindOf(err error) string {
	var e *Error
	switch {
	case err == nil:
		return KindUnknown
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, backends.ErrInvalid), errors.Is(err, luastd.ErrMemoryLimit):
		return KindInvalid
	case errors.Is(err, backends.ErrNotFound):
		return KindNotFound
	case errors.Is(err, backends.ErrAlreadyExists):
		return KindAlreadyExists
	case errors.Is(err, backends.ErrConflict):
		return KindConflict
	case errors.Is(err, backends.ErrUnavailable):
		return KindUnavailable
	case errors.Is(err, backends.ErrPermissionDenied):
		return KindPermissionDenied
	}
	return KindInternal
}

// sentinel returns the Go error an error of kind matches with errors.Is,
// or nil for kinds without one.
func sentinel(kind string) error {
	switch kind {
	case KindInvalid:
		return backends.ErrInvalid
	case KindNotFound:
		return backends.ErrNotFound
	case KindAlreadyExists:
		return backends.ErrAlreadyExists
	case KindConflict:
		return backends.ErrConflict
	case KindUnavailable:
		return backends.ErrUnavailable
	case KindPermissionDenied:
		return backends.ErrPermissionDenied
	case KindTimeout:
		return context.DeadlineExceeded
	case KindCanceled:
		return context.Canceled
	}
	return nil
}

// Retryable reports whether a store call that failed with an error of kind
// may succeed if repeated unchanged: true for Unavailable, Timeout,
// RateLimited and Conflict (a versioned write lost a race), false
// otherwise.
func Retryable(kind string) bool {
	switch kind {
	case KindUnavailable, KindTimeout, KindConflict, KindRateLimited:
		return true
	}
	return false
}

// defaultRetry is the retryable flag of an error made with kind and no
// explicit flag: as Wippy documents, Timeout, Unavailable and RateLimited
// are retryable and Invalid, NotFound, PermissionDenied and AlreadyExists
// are not; other kinds leave it unspecified (err:retryable() is nil).
func defaultRetry(kind string) retry {
	switch kind {
	case KindTimeout, KindUnavailable, KindRateLimited:
		return retryYes
	case KindInvalid, KindNotFound, KindPermissionDenied, KindAlreadyExists:
		return retryNo
	}
	return retryUnset
}

type retry int8

const (
	retryUnset retry = iota
	retryYes
	retryNo
)

func retryOf(b bool) retry {
	if b {
		return retryYes
	}
	return retryNo
}

// Frame is one level of the Lua call stack where an error was made.
type Frame struct {
	Source string // chunk name, e.g. "app.lua" or "[G]" for Go functions
	Line   int    // current line, 0 when unknown
	Name   string // function name, "" when Lua cannot tell
}

// Error is the one error type of scripts: what store calls return as err,
// what errors.new and errors.wrap make, and what Go code gets back (as an
// error that matches the backends sentinels with errors.Is, and is found
// with errors.As). Values are immutable once a script can see them; the
// With methods return changed copies.
type Error struct {
	Kind string // one of the Kind constants, or a kind of the script's own
	// Message is the text the script sees, one line, without the kind.
	// Under a security scope, that of an error from a backend or a store's
	// start says only what failed (see the README's access control).
	Message string
	Err     error // the Go error it came from or wraps, if any, in full

	retry   retry
	fromGo  bool   // made by goError from a backend's or the resolver's error
	stopped *Error // the cause of the call's context, when it gave the kind
	details any    // *lua.LTable from a script, or a Go value from WithDetails
	thread  string
	frames  []Frame
}

// NewError returns an error of kind (a Kind constant or the script's own)
// with message and no details, for Go code that hands errors to scripts
// (see Push). Its retryable flag follows the kind, as for errors.new.
func NewError(kind, message string) *Error {
	return &Error{Kind: kind, Message: message, retry: defaultRetry(kind)}
}

// storeError is the error of a failed store call: its retryable flag is
// always set, from the kind, except that a write whose outcome is unknown
// (backends.ErrOutcomeUnknown: it may have been applied) is never
// retryable, whatever its kind.
func storeError(kind, message string, err error) *Error {
	r := Retryable(kind) && !errors.Is(err, backends.ErrOutcomeUnknown)
	return &Error{Kind: kind, Message: message, Err: err, retry: retryOf(r)}
}

// Error returns the one-line text tostring(err) gives in Lua: the
// constant's name and the message ("NOT_FOUND: key \"x\" not found"), or
// the message alone for KindUnknown.
func (e *Error) Error() string {
	if e.Kind == KindUnknown {
		return e.Message
	}
	return KindName(e.Kind) + ": " + e.Message
}

// Unwrap returns the Go error the script error came from or wraps.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the backends sentinel (or context error)
// of e's kind, so errors.Is(err, backends.ErrNotFound) holds for a NotFound
// error a script made itself.
func (e *Error) Is(target error) bool {
	s := sentinel(e.Kind)
	return s != nil && s == target
}

// Retryable reports whether repeating the call may succeed; false when the
// error does not say.
func (e *Error) Retryable() bool { return e.retry == retryYes }

// RetryableKnown reports the retryable flag and whether the error sets one
// (err:retryable() is nil in Lua when it does not).
func (e *Error) RetryableKnown() (retryable, known bool) {
	return e.retry == retryYes, e.retry != retryUnset
}

// WithRetryable returns a copy of e with its retryable flag set.
func (e *Error) WithRetryable(b bool) *Error {
	c := *e
	c.retry = retryOf(b)
	return &c
}

// WithDetails returns a copy of e with details, a value err:details()
// returns to scripts: a map or slice of strings, numbers, booleans and
// nested maps and slices. A value that cannot be converted makes Push
// fail.
func (e *Error) WithDetails(details map[string]any) *Error {
	c := *e
	c.details = details
	return &c
}

// Stack returns the Lua call stack where the error was made, innermost
// first; nil for errors made outside a script.
func (e *Error) Stack() []Frame { return e.frames }

// AsError returns the error held by v, if v is one.
func AsError(v lua.LValue) (*Error, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	e, ok := ud.Value.(*Error)
	return e, ok
}

// Push pushes err onto L's stack as an error value (nil for a nil err). An
// *Error in err's chain is pushed as is; any other Go error becomes an
// error of KindOf(err) whose message is Message(err, KindOf(err)). L must
// have been set up by Open.
func Push(L *lua.LState, err error) {
	if err == nil {
		L.Push(lua.LNil)
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		kind := KindOf(err)
		e = storeError(kind, Message(err, kind), err)
	}
	L.Push(newErrorValue(L, L.GetTypeMetatable(errorMetaKey), e))
}

// Message returns the text a script sees for err, a Go error of kind:
// err.Error() without a trailing ": <text>" of the sentinel (or context
// error) that gives the kind, since the kind is shown apart
// ("INVALID: ..."), not "...: invalid argument" again.
func Message(err error, kind string) string {
	msg := err.Error()
	s := sentinel(kind)
	if s == nil {
		return msg
	}
	if t := s.Error(); len(msg) > len(t)+2 && strings.HasSuffix(msg, t) &&
		msg[len(msg)-len(t)-2:len(msg)-len(t)] == ": " && errors.Is(err, s) {
		return msg[:len(msg)-len(t)-2]
	}
	return msg
}

func newErrorValue(L *lua.LState, meta lua.LValue, e *Error) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = e
	ud.Metatable = meta
	return ud
}

// errorMetaKey names the error metatable in the Lua registry, so every
// error value of a state shares one metatable (and __eq works across them).
const errorMetaKey = "luahost.error"

// kindFromContext refines kind using the context of the call: a backend
// whose call was cut short by the script's deadline or interrupt may report
// a driver error that does not wrap the context error.
//
// A context canceled with an *Error as its cause (the host's memory limit
// is an INVALID one) gives that error's kind.
func kindFromContext(ctx context.Context, kind string) string {
	if kind != KindInternal && kind != KindUnavailable && kind != KindCanceled {
		return kind
	}
	var cause *Error
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &cause) {
		return cause.Kind
	}
	if kind == KindCanceled {
		return kind
	}
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return KindTimeout
	case context.Canceled:
		return KindCanceled
	}
	return kind
}

// pushError pushes nil and an error value, and returns 2 (the count of
// values pushed) for use as `return pushError(...)` in an LGFunction.
func (m *Module) pushError(L *lua.LState, e *Error) int {
	L.Push(lua.LNil)
	L.Push(m.newError(L, e, ""))
	return 2
}

// pushError pushes nil and e as the error of a call on h's store.
func (h *handle) pushError(L *lua.LState, e *Error) int {
	L.Push(lua.LNil)
	L.Push(h.m.newError(L, e, h.id))
	return 2
}

// pushGoError pushes nil and the script error for err, a failure of a
// call on h's store made under ctx.
func (h *handle) pushGoError(L *lua.LState, ctx context.Context, err error) int {
	return h.pushError(L, goError(ctx, err))
}

// invalid pushes nil and an INVALID error with msg, of a call on h's store.
func (h *handle) invalid(L *lua.LState, msg string) int {
	return h.pushError(L, storeError(KindInvalid, msg, backends.ErrInvalid))
}

// newError returns the Lua error value for e, its message redacted
// except for the strings the script passed to the current call. An error
// of a call on a store (storeID not "") starts with `store "ID": `, the
// one way every backend's errors name their store.
func (m *Module) newError(L *lua.LState, e *Error, storeID string) *lua.LUserData {
	if m.sec.Checked() && e.fromGo {
		if msg, ok := scopedMessage(e); ok {
			e.Message = msg
		}
	}
	if m.redact != nil {
		var own []string
		for i := 1; i <= L.GetTop(); i++ {
			if s, ok := L.Get(i).(lua.LString); ok {
				own = append(own, string(s))
			}
		}
		e.Message = m.redact(e.Message, own...)
	}
	if storeID != "" {
		e.Message = "store " + quote(storeID) + ": " + e.Message
	}
	return newErrorValue(L, L.GetTypeMetatable(errorMetaKey), e)
}

// pushStoreGoError pushes nil and the script error for err, a failure of
// store.get(id) made under ctx. Under a scope, a message scopedMessage
// replaces names the store, as a handle's errors do.
func (m *Module) pushStoreGoError(L *lua.LState, ctx context.Context, id string, err error) int {
	e := goError(ctx, err)
	if m.sec.Checked() {
		if msg, ok := scopedMessage(e); ok {
			e.Message, e.fromGo = "store "+quote(id)+": "+msg, false
		}
	}
	return m.pushError(L, e)
}

// goError returns the script error for err, a failure of a call made
// under ctx.
func goError(ctx context.Context, err error) *Error {
	kind := kindFromContext(ctx, KindOf(err))
	e := storeError(kind, Message(err, KindOf(err)), err)
	e.fromGo = true
	var cause *Error
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &cause) && cause.Kind == kind {
		e.stopped = cause
	}
	return e
}

// scopedMessage returns the message a script running under a security
// scope sees for e, an error from a backend or the resolver, in place of
// e.Message, and false when e.Message may be shown as it is.
//
// A tenant learns that its store failed, how (the kind) and whether to
// retry (the flag, unchanged), never the host's infrastructure: a start
// error or driver text names the database entries a store depends on,
// hosts, ports and user names. Errors about the script's own call (a key
// or value over a limit, a version conflict, a key that exists, a store
// that is full) keep their message. e.Err keeps the full error for Go.
func scopedMessage(e *Error) (string, bool) {
	if e.stopped != nil {
		// The kind came from the run's context (the memory limit), whose
		// error the host wrote for scripts.
		return e.stopped.Message, true
	}
	err := e.Err
	switch {
	case errors.Is(err, backends.ErrOutcomeUnknown):
		return "the write may or may not have been applied", true
	case errors.Is(err, backends.ErrFull):
		return "", false
	case errors.Is(err, backends.ErrUnavailable):
		// Whatever kind wins (a store that cannot start because of its
		// configuration may be INVALID), the cause is the host's.
		if e.Kind != KindUnavailable {
			return genericMessage(e.Kind), true
		}
	}
	switch e.Kind {
	case KindInvalid, KindNotFound, KindConflict, KindAlreadyExists:
		return "", false
	}
	return genericMessage(e.Kind), true
}

// genericMessage is the message of a scoped error of kind (see
// scopedMessage).
func genericMessage(kind string) string {
	switch kind {
	case KindUnavailable:
		return "unavailable, try again later"
	case KindTimeout:
		return "timed out"
	case KindCanceled:
		return "canceled"
	case KindRateLimited:
		return "rate limited, try again later"
	case KindPermissionDenied:
		return "access denied by the store's backend"
	case KindInvalid:
		return "invalid configuration or state"
	}
	return "internal error"
}

// invalid pushes nil and an INVALID error with msg.
func (m *Module) invalid(L *lua.LState, msg string) int {
	return m.pushError(L, storeError(KindInvalid, msg, backends.ErrInvalid))
}

// newErrorMeta builds the metatable of error values.
func newErrorMeta(L *lua.LState) *lua.LTable {
	mt := L.NewTypeMetatable(errorMetaKey)
	mt.RawSetString("__index", register(L, L.NewTable(), errorMethods))
	mt.RawSetString("__tostring", L.NewFunction(errToString))
	mt.RawSetString("__eq", L.NewFunction(errEq))
	mt.RawSetString("__concat", L.NewFunction(errConcat))
	return mt
}

func checkError(L *lua.LState) *Error {
	if e, ok := AsError(L.Get(1)); ok {
		return e
	}
	L.ArgError(1, "error value expected, got "+L.Get(1).Type().String())
	return nil
}

// pushChanged pushes a copy of e changed by set, with e's metatable.
func pushChanged(L *lua.LState, e *Error, set func(*Error)) int {
	c := *e
	set(&c)
	L.Push(newErrorValue(L, L.Get(1).(*lua.LUserData).Metatable, &c))
	return 1
}

// errKind implements err:kind() -> string, and err:kind(k) -> a new error
// of kind k (a constant, or a constant's name such as "NOT_FOUND").
func errKind(L *lua.LState) int {
	e := checkError(L)
	if L.GetTop() < 2 {
		L.Push(lua.LString(e.Kind))
		return 1
	}
	ks, ok := L.Get(2).(lua.LString)
	if !ok {
		L.ArgError(2, "kind must be a string, got "+describe(L.Get(2)))
	}
	k := normalizeKind(string(ks))
	return pushChanged(L, e, func(c *Error) {
		c.Kind = k
		if c.retry == retryUnset {
			c.retry = defaultRetry(k)
		}
	})
}

// errMessage implements err:message() -> string (the text without the kind).
func errMessage(L *lua.LState) int {
	L.Push(lua.LString(checkError(L).Message))
	return 1
}

// errRetryable implements err:retryable() -> boolean | nil (nil: the error
// does not say), and err:retryable(b) -> a new error with the flag set.
func errRetryable(L *lua.LState) int {
	e := checkError(L)
	if L.GetTop() < 2 {
		if e.retry == retryUnset {
			L.Push(lua.LNil)
		} else {
			L.Push(lua.LBool(e.retry == retryYes))
		}
		return 1
	}
	b := retryOf(L.CheckBool(2))
	return pushChanged(L, e, func(c *Error) { c.retry = b })
}

// errDetails implements err:details() -> table | nil, and err:details(t)
// -> a new error with details t (a table, or nil to drop them).
func errDetails(L *lua.LState) int {
	e := checkError(L)
	if L.GetTop() < 2 {
		L.Push(detailsValue(L, e.details))
		return 1
	}
	var d any
	switch v := L.Get(2).(type) {
	case *lua.LTable:
		d = v
	case *lua.LNilType:
	default:
		L.ArgError(2, "details must be a table, got "+describe(v))
	}
	return pushChanged(L, e, func(c *Error) { c.details = d })
}

// detailsValue converts stored details to a Lua value: a script's table as
// is, a Go value through MessagePack.
func detailsValue(L *lua.LState, d any) lua.LValue {
	switch d := d.(type) {
	case nil:
		return lua.LNil
	case *lua.LTable:
		return d
	default:
		b, err := msgpack.Marshal(d)
		if err == nil {
			var v lua.LValue
			if v, err = Decode(L, b); err == nil {
				return v
			}
		}
		L.RaiseError("error details: %v", err)
		return lua.LNil
	}
}

// errStack implements err:stack() -> string: a Lua traceback of where the
// error was made ("" for an error made outside a script).
func errStack(L *lua.LState) int {
	e := checkError(L)
	if len(e.frames) == 0 {
		L.Push(lua.LString(""))
		return 1
	}
	var sb strings.Builder
	sb.WriteString("stack traceback:")
	for _, f := range e.frames {
		sb.WriteString("\n\t")
		sb.WriteString(f.Source)
		if f.Line > 0 {
			sb.WriteByte(':')
			sb.WriteString(strconv.Itoa(f.Line))
		}
		sb.WriteString(": in ")
		if f.Name != "" {
			sb.WriteString("function '" + f.Name + "'")
		} else {
			sb.WriteString("main chunk")
		}
	}
	L.Push(lua.LString(sb.String()))
	return 1
}

// errToString implements tostring(err) -> "KIND: message" (the message
// alone for UNKNOWN).
func errToString(L *lua.LState) int {
	L.Push(lua.LString(checkError(L).Error()))
	return 1
}

// errEq implements err1 == err2: equal when kind and message are.
func errEq(L *lua.LState) int {
	a, ok1 := AsError(L.Get(1))
	b, ok2 := AsError(L.Get(2))
	L.Push(lua.LBool(ok1 && ok2 && a.Kind == b.Kind && a.Message == b.Message))
	return 1
}

// errConcat implements s .. err and err .. s: the error as tostring gives
// it, joined with a string or number.
func errConcat(L *lua.LState) int {
	L.Push(lua.LString(concatPart(L, 1) + concatPart(L, 2)))
	return 1
}

func concatPart(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	default:
		if e, ok := AsError(v); ok {
			return e.Error()
		}
		L.RaiseError("attempt to concatenate a %s value with an error", v.Type().String())
		return ""
	}
}

// maxFrames bounds the call stack an error records.
const maxFrames = 32

// capture records the Lua call stack of L above the running Go function.
// The frames go through a buffer on the stack so the error holds one
// allocation of exactly the depth it needs.
func capture(L *lua.LState, e *Error) {
	if L.Parent == nil {
		e.thread = "main"
	} else {
		e.thread = "coroutine"
	}
	var buf [maxFrames]Frame
	n := 0
	for level := 1; n < maxFrames; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil {
			break
		}
		buf[n] = Frame{Source: dbg.Source, Line: dbg.CurrentLine, Name: dbg.Name}
		n++
		if dbg.What == "main" { // the outermost frame: asking for more only allocates
			break
		}
	}
	e.frames = append([]Frame(nil), buf[:n]...)
}

// newErrorsTable builds the errors global: one constant per kind, new,
// wrap, is and call_stack.
func newErrorsTable(L *lua.LState, meta *lua.LTable) *lua.LTable {
	t := L.CreateTable(0, len(kinds)+4)
	for _, k := range kinds {
		t.RawSetString(k.name, lua.LString(k.value))
	}
	return register(L, t, errorsFuncs, meta)
}

// errorsNew implements errors.new(message), errors.new({message=, kind=,
// retryable=, details=}) and errors.new(kind, message) -> error. A kind may
// be a constant or a constant's name ("NOT_FOUND"); without one the kind is
// UNKNOWN. Bad arguments raise.
func errorsNew(L *lua.LState) int {
	e := &Error{}
	switch a := L.Get(1).(type) {
	case lua.LString:
		if L.GetTop() >= 2 {
			e.Kind = normalizeKind(string(a))
			e.Message = L.CheckString(2)
		} else {
			e.Message = string(a)
		}
		e.retry = defaultRetry(e.Kind)
	case *lua.LTable:
		newFromTable(L, a, e)
	default:
		L.ArgError(1, "message string or table {message=, kind=, retryable=, details=} expected, got "+describe(a))
	}
	capture(L, e)
	L.Push(newErrorValue(L, L.Get(lua.UpvalueIndex(1)), e))
	return 1
}

func newFromTable(L *lua.LState, t *lua.LTable, e *Error) {
	hasMessage := false
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		name, _ := k.(lua.LString)
		switch name {
		case "message":
			s, ok := v.(lua.LString)
			if !ok {
				L.ArgError(1, "message must be a string, got "+describe(v))
			}
			e.Message, hasMessage = string(s), true
		case "kind":
			s, ok := v.(lua.LString)
			if !ok {
				L.ArgError(1, "kind must be a string, got "+describe(v))
			}
			e.Kind = normalizeKind(string(s))
		case "retryable":
			b, ok := v.(lua.LBool)
			if !ok {
				L.ArgError(1, "retryable must be a boolean, got "+describe(v))
			}
			e.retry = retryOf(bool(b))
		case "details":
			d, ok := v.(*lua.LTable)
			if !ok {
				L.ArgError(1, "details must be a table, got "+describe(v))
			}
			e.details = d
		default:
			L.ArgError(1, "unknown field "+describeKey(k)+" (fields are message, kind, retryable, details)")
		}
	}
	if !hasMessage {
		L.ArgError(1, "message is required")
	}
	if e.retry == retryUnset {
		e.retry = defaultRetry(e.Kind)
	}
}

// errorsWrap implements errors.wrap(err, message) -> error: a new error
// whose message is "message: <err's message>", keeping err's kind,
// retryable flag, details and call stack. A string err gives an UNKNOWN
// error; a nil err gives nil, so a call's results can be wrapped
// unchecked.
func errorsWrap(L *lua.LState) int {
	msg := L.CheckString(2)
	var e *Error
	switch a := L.Get(1).(type) {
	case *lua.LNilType:
		L.Push(lua.LNil)
		return 1
	case lua.LString:
		e = &Error{Message: msg + ": " + string(a)}
		capture(L, e)
	case lua.LNumber:
		e = &Error{Message: msg + ": " + a.String()}
		capture(L, e)
	default:
		old, ok := AsError(a)
		if !ok {
			L.ArgError(1, "error or string expected, got "+describe(a))
		}
		c := *old
		c.Message = msg + ": " + old.Message
		c.Err = old
		if c.frames == nil {
			capture(L, &c)
		}
		e = &c
	}
	L.Push(newErrorValue(L, L.Get(lua.UpvalueIndex(1)), e))
	return 1
}

// errorsCallStack implements errors.call_stack(err) -> {thread=,
// frames={{source=, line=, name=}...}} | nil: the call stack where err was
// made, innermost first; nil for a value that is not an error or an error
// made outside a script.
func errorsCallStack(L *lua.LState) int {
	e, ok := AsError(L.Get(1))
	if !ok || len(e.frames) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	frames := L.CreateTable(len(e.frames), 0)
	for i, f := range e.frames {
		ft := L.CreateTable(0, 3)
		ft.RawSetString("source", lua.LString(f.Source))
		ft.RawSetString("line", lua.LNumber(f.Line))
		ft.RawSetString("name", lua.LString(f.Name))
		frames.RawSetInt(i+1, ft)
	}
	t := L.CreateTable(0, 2)
	t.RawSetString("thread", lua.LString(e.thread))
	t.RawSetString("frames", frames)
	L.Push(t)
	return 1
}

// errorsIs implements errors.is(err, kind) -> boolean: whether err is an
// error of kind. err may be any value (nil or a non-error gives false); a
// kind string no error has is simply false, while a nil kind (a misspelt
// constant such as errors.NOTFOUND) raises instead of silently never
// matching. A constant's name ("NOT_FOUND") is accepted for its value.
func errorsIs(L *lua.LState) int {
	kind, ok := L.Get(2).(lua.LString)
	if !ok {
		L.ArgError(2, "error kind expected (errors.INVALID, errors.NOT_FOUND, ...), got "+describe(L.Get(2)))
		return 0
	}
	e, ok := AsError(L.Get(1))
	L.Push(lua.LBool(ok && e.Kind == normalizeKind(string(kind))))
	return 1
}

// describe names a Lua value for an error message: its type, and for
// strings their quoted text.
func describe(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return "string " + quote(string(s))
	}
	return v.Type().String()
}
