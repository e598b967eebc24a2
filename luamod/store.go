package luamod

import (
	"context"
	"errors"
	"math"
	"strconv"
	"time"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/internal/mpack"
	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/security"
)

// ModuleName is the name scripts require the store module by.
const ModuleName = "store"

// Options configure Open.
type Options struct {
	// Resolver finds stores for store.get. Required.
	Resolver Resolver
	// Redact, when set, rewrites the text of every error a script sees
	// that came from Go (a backend or the resolver), e.g. to remove
	// secrets. own are the strings the script passed to the failing call
	// (a key, a prefix): Redact should leave them as they are, so that a
	// script cannot confirm a guess of a secret by seeing its own text
	// come back rewritten.
	Redact func(text string, own ...string) string
}

// Module is the store module and errors global installed in one Lua state.
// Like the state, it must only be used from one goroutine at a time.
type Module struct {
	resolver Resolver
	redact   func(text string, own ...string) string
	table    *lua.LTable // the module table require("store") returns
	handMeta *lua.LTable
	errMeta  *lua.LTable
	enc      *encoder
	dec      *decoder
	closed   bool
	// sec is the running script's security context (nil: no checks).
	sec *security.Context
	// meta is reused for the attributes of each check.
	meta map[string]any
	// buf receives short values a get copies out of a store
	// (backends.BufferGetter); one MessagePack header byte more than a
	// string newLString boxes.
	buf [maxBoxed + 1]byte
}

// Open installs the store module in L: require("store") returns it (it is
// preloaded), and the global errors holds the error kinds and errors.is. It
// does not set a store global; a host that wants one sets it to Table().
// The host calls Close when it is done with L, which releases every store
// handle the state acquired. Open panics if opts.Resolver is nil.
func Open(L *lua.LState, opts Options) *Module {
	if opts.Resolver == nil {
		panic("luamod: Open with a nil Options.Resolver")
	}
	m := &Module{
		resolver: opts.Resolver,
		redact:   opts.Redact,
		enc:      newEncoder(),
		dec:      newDecoder(),
		meta:     make(map[string]any, 1),
	}
	m.errMeta = newErrorMeta(L)

	m.handMeta = newHandleMeta(L)

	m.table = L.NewTable()
	m.bind(L, m.table, storeFuncs)
	m.table.RawSetString("backend", constTable(L, backendNames[:]))
	m.table.RawSetString("consistency", constTable(L, consistencyNames[:]))

	L.PreloadModule(ModuleName, func(L *lua.LState) int {
		L.Push(m.table)
		return 1
	})
	L.SetGlobal("errors", newErrorsTable(L, m.errMeta))
	m.openSecurity(L)
	return m
}

// Table returns the module table, for a host that also makes it a global.
func (m *Module) Table() *lua.LTable { return m.table }

// Close releases every store handle acquired through m: later calls on
// them return INVALID "store released". It is idempotent.
func (m *Module) Close() {
	m.closed = true
}

const handleMetaKey = "luahost.store"

// hotMethods are the handle methods a method call finds first: at most 8,
// the most entries a Go map holds in one group, found without hashing the
// name. The rest are reached through the __index of their table.
var hotMethods = [...]string{"get", "set", "delete", "exists", "incr", "entry", "put", "ttl"}

// newHandleMeta makes the metatable of store handles, registered as
// NewTypeMetatable does. Its tables are made small: gopher-lua's NewTable
// sizes a table's string keys for 32, which makes each method call's two
// lookups slower.
func newHandleMeta(L *lua.LState) *lua.LTable {
	reg := L.Get(lua.RegistryIndex)
	if mt, ok := L.GetField(reg, handleMetaKey).(*lua.LTable); ok {
		return mt
	}
	all := register(L, L.CreateTable(0, len(handleMethods)+1), handleMethods)
	hot := L.CreateTable(0, len(hotMethods))
	for _, name := range hotMethods {
		hot.RawSetString(name, all.RawGetString(name))
	}
	hot.Metatable = L.CreateTable(0, 1)
	hot.Metatable.(*lua.LTable).RawSetString("__index", all)
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", hot)
	mt.RawSetString("__tostring", L.NewFunction(handleToString))
	L.SetField(reg, handleMetaKey, mt)
	return mt
}

// handle is the Go side of a store handle.
type handle struct {
	m  *Module
	id string
	st backends.Store
	// sg is st when it hands out values without a copy, and bg when it
	// also copies short values out; else nil.
	sg backends.StringGetter
	bg backends.BufferGetter
	// vl is st when it knows its limit on a value's size, else nil.
	vl       backends.ValueLimiter
	released bool
}

// context returns the context store calls of L run under.
func callContext(L *lua.LState) context.Context {
	if ctx := L.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// storeGet implements store.get(id) -> handle | nil, err.
func (m *Module) storeGet(L *lua.LState) int {
	lv := L.Get(1)
	id, ok := lv.(lua.LString)
	if !ok {
		msg := "store ID must be a string, got " + describe(lv)
		if lv == m.table {
			// store:get(id) passes the module itself first.
			msg += ` (call store.get with a dot: store.get("ns:name"))`
		}
		return m.invalid(L, msg)
	}
	if id == "" {
		return m.invalid(L, "store ID must not be empty")
	}
	if m.closed {
		return m.invalid(L, "store module closed")
	}
	// Checked before the lookup, so a denied script cannot tell which
	// stores exist.
	if !m.allowed(ActionStoreGet, string(id), "", "") {
		return m.denied(L, ActionStoreGet, string(id), "")
	}
	ctx := callContext(L)
	st, err := m.resolve(ctx, string(id))
	if err != nil {
		return m.pushStoreGoError(L, ctx, string(id), err)
	}
	ud := L.NewUserData()
	sg, _ := st.(backends.StringGetter)
	bg, _ := st.(backends.BufferGetter)
	vl, _ := st.(backends.ValueLimiter)
	ud.Value = &handle{m: m, id: string(id), st: st, sg: sg, bg: bg, vl: vl}
	ud.Metatable = L.GetTypeMetatable(handleMetaKey) // the registry's, which a host may swap per run
	L.Push(ud)
	return 1
}

// resolve finds the store id. Under a scope, what its error says of other
// entries is limited to the stores the run may open: a script must not
// learn from a "did you mean" which stores other tenants have.
func (m *Module) resolve(ctx context.Context, id string) (backends.Store, error) {
	if !m.sec.Checked() {
		return m.resolver.Store(ctx, id)
	}
	visible := func(other string) bool { return m.allowed(ActionStoreGet, other, "", "") }
	if sr, ok := m.resolver.(ScopedResolver); ok {
		return sr.StoreVisible(ctx, id, visible)
	}
	st, err := m.resolver.Store(ctx, id)
	if errors.Is(err, backends.ErrNotFound) {
		// A resolver that cannot limit its message may name other IDs.
		return nil, backends.Errorf(backends.ErrNotFound, "no store %q", id)
	}
	return st, err
}

// checkHandle returns the handle in argument 1, raising an argument error
// if it is not one. A released handle is returned as is; callers check.
func checkHandle(L *lua.LState) *handle {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if h, ok := ud.Value.(*handle); ok {
			return h
		}
	}
	L.ArgError(1, "store expected, got "+L.Get(1).Type().String()+" (call methods with a colon: s:get(key))")
	return nil
}

// live reports whether h can still be used, pushing the error if not.
func (h *handle) live(L *lua.LState) (int, bool) {
	if h.released || h.m.closed {
		return h.pushError(L, storeError(KindInvalid, "store released", backends.ErrInvalid)), false
	}
	return 0, true
}

// keyed starts a method that takes a key: the handle in argument 1 (an
// argument error if it is not one), the key in argument 2, and the check of
// the method's action on that key. When ok is false, n results (nil, err)
// are pushed.
func keyed(L *lua.LState, method string) (h *handle, key string, n int, ok bool) {
	// The common case in one pass: a live handle, a non-empty string key,
	// no scope to check. Anything else takes the checks below, which say
	// what is wrong.
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if h, ok := ud.Value.(*handle); ok && !h.released && !h.m.closed && !h.m.sec.Checked() {
			if k, ok := L.Get(2).(lua.LString); ok && k != "" {
				return h, string(k), 0, true
			}
		}
	}
	h = checkHandle(L)
	if n, ok := h.live(L); !ok {
		return nil, "", n, false
	}
	if key, n, ok = h.key(L); !ok {
		return nil, "", n, false
	}
	if n, ok = h.checkKey(L, method, key); !ok {
		return nil, "", n, false
	}
	return h, key, 0, true
}

// key returns argument 2 as a key, pushing the error if it is not one.
func (h *handle) key(L *lua.LState) (string, int, bool) {
	lv := L.Get(2)
	k, ok := lv.(lua.LString)
	if !ok {
		return "", h.invalid(L, "key must be a string, got "+describe(lv)), false
	}
	if k == "" {
		return "", h.invalid(L, "key must not be empty"), false
	}
	return string(k), 0, true
}

// handleGet implements s:get(key) -> value | nil, err.
func handleGet(L *lua.LState) int {
	h, key, n, ok := keyed(L, "get")
	if !ok {
		return n
	}
	ctx := callContext(L)
	var b []byte
	var err error
	if h.bg != nil {
		var s string
		var copied bool
		if s, copied, err = h.bg.GetStringBuf(ctx, key, h.m.buf[:]); err == nil {
			if start, ok := mpack.StringStart(s); ok {
				// The common case, a stored string: a short one was
				// copied into buf and goes into one new Lua string; a
				// longer one shares the store's bytes, which never
				// change.
				if copied {
					L.Push(newLString(s[start:]))
				} else {
					L.Push(lua.LString(s[start:]))
				}
				return 1
			}
			b = unsafe.Slice(unsafe.StringData(s), len(s)) // only read below, before buf is reused
		}
	} else if h.sg != nil {
		var s string
		if s, err = h.sg.GetString(ctx, key); err == nil {
			if start, ok := mpack.StringStart(s); ok {
				// The result shares the store's bytes, which never
				// change.
				L.Push(lua.LString(s[start:]))
				return 1
			}
			b = unsafe.Slice(unsafe.StringData(s), len(s)) // only read below
		}
	} else {
		b, err = h.st.Get(ctx, key)
	}
	if err != nil {
		if KindOf(err) == KindNotFound && !errors.Is(err, backends.ErrStoreRemoved) {
			return h.pushError(L, storeError(KindNotFound, "key "+quote(key)+" not found", err))
		}
		return h.pushGoError(L, ctx, err)
	}
	h.m.dec.start(L, "s:get")
	v, err := h.m.dec.decode(L, b)
	h.m.dec.finish()
	if err != nil {
		return h.pushDecodeError(L, ctx, key, err)
	}
	L.Push(v)
	return 1
}

// pushEncodeError pushes nil and the error of encoding a value to store,
// made under ctx: INVALID naming the offending part, or the error of a
// run stopped by its context while encoding.
func (h *handle) pushEncodeError(L *lua.LState, ctx context.Context, err error) int {
	if _, ok := err.(*ValueError); !ok {
		return h.pushGoError(L, ctx, err)
	}
	return h.pushError(L, storeError(KindInvalid, err.Error(), err))
}

// pushDecodeError pushes nil and the error of decoding the value of key,
// made under ctx: the run's memory cap refusing it reads as its other
// memory-limit errors do; a run stopped by its context while decoding
// gets the error of a store call so stopped.
func (h *handle) pushDecodeError(L *lua.LState, ctx context.Context, key string, err error) int {
	if stopsRun(err) {
		return h.pushGoError(L, ctx, err)
	}
	return h.pushError(L, storeError(KindOf(err), "key "+quote(key)+": "+err.Error(), err))
}

// stopsRun reports whether err, from encoding or decoding, is about the
// run rather than the value: its context is done, or its memory cap
// refused what the value needs.
func stopsRun(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, luastd.ErrMemoryLimit)
}

// maxTTL is the longest TTL a time.Duration holds, in seconds.
const maxTTL = float64(math.MaxInt64 / int64(time.Second))

// handleSet implements s:set(key, value, ttl?) -> true | nil, err. ttl is
// in seconds, fractional allowed and rounded to the millisecond (a positive
// ttl under half a millisecond becomes one millisecond, never "no expiry");
// nil or 0 means no expiry.
func handleSet(L *lua.LState) int {
	h, key, n, ok := keyed(L, "set")
	if !ok {
		return n
	}
	var ttl time.Duration
	if L.GetTop() >= 4 {
		var msg string
		if ttl, msg = parseTTL(L.Get(4), "ttl"); msg != "" {
			return h.invalid(L, msg)
		}
	}
	ctx := callContext(L)
	h.m.enc.start(ctx, "s:set")
	h.m.enc.store = h.vl
	b, err := h.m.enc.encode(L.Get(3))
	if err != nil {
		h.m.enc.release()
		return h.pushEncodeError(L, ctx, err)
	}
	err = h.st.Set(ctx, key, b, ttl)
	h.m.enc.release()
	if err != nil {
		return h.pushGoError(L, ctx, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// parseTTL converts lv, a TTL in seconds, to a duration: fractions are
// rounded to the millisecond (a positive TTL under half a millisecond
// becomes one millisecond, never "no expiry"); nil or 0 is 0 (no
// expiry). A bad TTL returns a message naming what.
func parseTTL(lv lua.LValue, what string) (time.Duration, string) {
	switch lv := lv.(type) {
	case lua.LNumber:
		f := float64(lv)
		switch {
		case f != f:
			return 0, what + " must be a number of seconds, got nan"
		case f < 0:
			return 0, what + " must not be negative, got " + formatNumber(f)
		case f > maxTTL:
			return 0, what + " must be at most " + strconv.FormatFloat(maxTTL, 'f', 0, 64) + " seconds, got " + formatNumber(f)
		case f > 0:
			ttl := time.Duration(math.Round(f*1000)) * time.Millisecond
			if ttl == 0 {
				ttl = time.Millisecond
			}
			return ttl, ""
		}
		return 0, ""
	default:
		if lv != lua.LNil {
			return 0, what + " must be a number of seconds, got " + describe(lv)
		}
	}
	return 0, ""
}

// handleDelete implements s:delete(key) -> boolean | nil, err: true if a
// live key was removed.
func handleDelete(L *lua.LState) int {
	return keyBool(L, "delete", backends.Store.Delete)
}

// handleExists implements s:exists(key) and s:has(key) -> boolean | nil, err.
func handleExists(L *lua.LState) int {
	return keyBool(L, "exists", backends.Store.Exists)
}

// keyBool runs a store method that takes a key and answers yes or no.
func keyBool(L *lua.LState, name string, method func(backends.Store, context.Context, string) (bool, error)) int {
	h, key, n, ok := keyed(L, name)
	if !ok {
		return n
	}
	ctx := callContext(L)
	yes, err := method(h.st, ctx, key)
	if err != nil {
		return h.pushGoError(L, ctx, err)
	}
	L.Push(lua.LBool(yes))
	return 1
}

// handleClear implements s:clear() -> true | nil, err.
func handleClear(L *lua.LState) int {
	h := checkHandle(L)
	if n, ok := h.live(L); !ok {
		return n
	}
	if n, ok := h.check(L, ActionClear, ""); !ok {
		return n
	}
	ctx := callContext(L)
	if err := h.st.Clear(ctx); err != nil {
		return h.pushGoError(L, ctx, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// handleRelease implements s:release() -> true. Releasing twice is fine.
func handleRelease(L *lua.LState) int {
	h := checkHandle(L)
	h.released = true
	h.st, h.sg = nil, nil
	L.Push(lua.LTrue)
	return 1
}

// handleToString implements tostring(s) -> `store "ns:name"`.
func handleToString(L *lua.LState) int {
	h := checkHandle(L)
	s := "store " + quote(h.id)
	if h.released || h.m.closed {
		s += " (released)"
	}
	L.Push(lua.LString(s))
	return 1
}
