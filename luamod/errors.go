package luamod

import (
	"context"
	"errors"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
)

// Error kinds, as seen by scripts through the errors global.
const (
	KindInvalid          = "INVALID"
	KindNotFound         = "NOT_FOUND"
	KindAlreadyExists    = "ALREADY_EXISTS"
	KindConflict         = "CONFLICT"
	KindUnavailable      = "UNAVAILABLE"
	KindTimeout          = "TIMEOUT"
	KindCanceled         = "CANCELED"
	KindPermissionDenied = "PERMISSION_DENIED"
	KindInternal         = "INTERNAL"
)

// kinds lists every kind, in the order the errors global documents them.
var kinds = [...]string{
	KindInvalid, KindNotFound, KindAlreadyExists, KindConflict, KindUnavailable,
	KindTimeout, KindCanceled, KindPermissionDenied, KindInternal,
}

// KindOf returns the error kind a script sees for err: one of the Kind
// constants, KindInternal for errors of no known kind, "" for nil.
func KindOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, backends.ErrInvalid):
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

// Retryable reports whether a call that failed with an error of kind may
// succeed if repeated unchanged.
func Retryable(kind string) bool {
	return kind == KindUnavailable || kind == KindTimeout || kind == KindConflict
}

// Error is the value scripts receive as err from a failed store call.
type Error struct {
	Kind    string // one of the Kind constants
	Message string // one line, without the kind
	Err     error  // the Go error it came from, if any
}

// Error returns the one-line text tostring(err) gives in Lua.
func (e *Error) Error() string { return e.Kind + ": " + e.Message }

// Unwrap returns the Go error the script error came from.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether repeating the call may succeed. A write whose
// outcome is unknown (backends.ErrOutcomeUnknown) is never retryable, as
// repeating it could apply it twice.
func (e *Error) Retryable() bool {
	if errors.Is(e.Err, backends.ErrOutcomeUnknown) {
		return false
	}
	return Retryable(e.Kind)
}

// AsError returns the store error held by v, if v is one.
func AsError(v lua.LValue) (*Error, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	e, ok := ud.Value.(*Error)
	return e, ok
}

// errorMetaKey names the error metatable in the Lua registry, so every
// error value of a state shares one metatable (and __eq works across them).
const errorMetaKey = "luahost.error"

// kindFromContext refines kind using the context of the call: a backend
// whose call was cut short by the script's deadline or interrupt may report
// a driver error that does not wrap the context error.
func kindFromContext(ctx context.Context, kind string) string {
	if kind != KindInternal && kind != KindUnavailable {
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
	ud := L.NewUserData()
	ud.Value = e
	ud.Metatable = m.errMeta
	L.Push(lua.LNil)
	L.Push(ud)
	return 2
}

// pushGoError pushes nil and the script error for err, a failure of a call
// made under ctx.
func (m *Module) pushGoError(L *lua.LState, ctx context.Context, err error) int {
	kind := kindFromContext(ctx, KindOf(err))
	return m.pushError(L, &Error{Kind: kind, Message: err.Error(), Err: err})
}

// invalid pushes nil and an INVALID error with msg.
func (m *Module) invalid(L *lua.LState, msg string) int {
	return m.pushError(L, &Error{Kind: KindInvalid, Message: msg, Err: backends.ErrInvalid})
}

// newErrorMeta builds the metatable of error values.
func newErrorMeta(L *lua.LState) *lua.LTable {
	mt := L.NewTypeMetatable(errorMetaKey)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"kind":      errKind,
		"message":   errMessage,
		"retryable": errRetryable,
	})
	mt.RawSetString("__index", methods)
	mt.RawSetString("__tostring", L.NewFunction(errToString))
	mt.RawSetString("__eq", L.NewFunction(errEq))
	return mt
}

func checkError(L *lua.LState) *Error {
	if e, ok := AsError(L.Get(1)); ok {
		return e
	}
	L.ArgError(1, "error value expected, got "+L.Get(1).Type().String())
	return nil
}

// errKind implements err:kind() -> string.
func errKind(L *lua.LState) int {
	L.Push(lua.LString(checkError(L).Kind))
	return 1
}

// errMessage implements err:message() -> string (the text without the kind).
func errMessage(L *lua.LState) int {
	L.Push(lua.LString(checkError(L).Message))
	return 1
}

// errRetryable implements err:retryable() -> boolean.
func errRetryable(L *lua.LState) int {
	L.Push(lua.LBool(checkError(L).Retryable()))
	return 1
}

// errToString implements tostring(err) -> "KIND: message".
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

// newErrorsTable builds the errors global: one constant per kind, and is.
func newErrorsTable(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, len(kinds)+1)
	for _, k := range kinds {
		t.RawSetString(k, lua.LString(k))
	}
	t.RawSetString("is", L.NewFunction(errorsIs))
	return t
}

// errorsIs implements errors.is(err, kind) -> boolean. err may be any
// value (nil or a non-error gives false); kind must be one of the
// constants, so a misspelt constant (which reads as nil) raises instead of
// silently never matching.
func errorsIs(L *lua.LState) int {
	kind, ok := L.Get(2).(lua.LString)
	if !ok || !knownKind(string(kind)) {
		L.ArgError(2, "error kind expected (one of errors.INVALID, errors.NOT_FOUND, ...), got "+describe(L.Get(2)))
		return 0
	}
	e, ok := AsError(L.Get(1))
	L.Push(lua.LBool(ok && e.Kind == string(kind)))
	return 1
}

func knownKind(k string) bool {
	for _, kk := range kinds {
		if k == kk {
			return true
		}
	}
	return false
}

// describe names a Lua value for an error message: its type, and for
// strings their quoted text.
func describe(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return "string " + quote(string(s))
	}
	return v.Type().String()
}
