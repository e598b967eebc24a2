package luamod

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
)

// extended returns h's store as a backends.Extended, pushing INVALID "not
// supported by this store" when it is not one.
func (h *handle) extended(L *lua.LState, method string) (backends.Extended, int, bool) {
	if x, ok := h.st.(backends.Extended); ok {
		return x, 0, true
	}
	return nil, h.m.invalid(L, "s:"+method+" is not supported by this store ("+h.id+")"), false
}

// begin does the checks every extended method starts with: a store as
// self, not released, a backend that supports the method.
func begin(L *lua.LState, method string) (*handle, backends.Extended, int, bool) {
	h := checkHandle(L)
	if n, ok := h.live(L); !ok {
		return nil, nil, n, false
	}
	x, n, ok := h.extended(L, method)
	return h, x, n, ok
}

// beginKeyed is begin for methods that take a key in argument 2.
func beginKeyed(L *lua.LState, method string) (*handle, backends.Extended, string, int, bool) {
	h, x, n, ok := begin(L, method)
	if !ok {
		return nil, nil, "", n, false
	}
	key, n, ok := h.key(L)
	return h, x, key, n, ok
}

// options returns argument n, an optional table of options, pushing
// INVALID when it is neither nil nor a table or holds a key not in known.
func (h *handle) options(L *lua.LState, n int, method string, known ...string) (*lua.LTable, int, bool) {
	lv := L.Get(n)
	if lv == lua.LNil {
		return L.NewTable(), 0, true
	}
	t, ok := lv.(*lua.LTable)
	if !ok {
		return nil, h.m.invalid(L, method+": options must be a table, got "+describe(lv)), false
	}
	var bad lua.LValue
	t.ForEach(func(k, _ lua.LValue) {
		if bad != nil {
			return
		}
		if s, ok := k.(lua.LString); ok {
			for _, name := range known {
				if string(s) == name {
					return
				}
			}
		}
		bad = k
	})
	if bad != nil {
		return nil, h.m.invalid(L, method+": unknown option "+describeKey(bad)+" (options are "+strings.Join(known, ", ")+")"), false
	}
	return t, 0, true
}

func describeKey(k lua.LValue) string {
	if s, ok := k.(lua.LString); ok {
		return quote(string(s))
	}
	return describe(k)
}

// finite returns lv as a finite number, or a message naming what.
func finite(lv lua.LValue, what string) (float64, string) {
	n, ok := lv.(lua.LNumber)
	if !ok {
		return 0, what + " must be a number, got " + describe(lv)
	}
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, what + " must be a finite number, got " + formatNumber(f)
	}
	return f, ""
}

// pushItem pushes the entry table {key=, value=, version=} of item.
func (h *handle) pushItem(L *lua.LState, item backends.Item) int {
	t, err := h.itemTable(L, item)
	if err != nil {
		return h.m.pushError(L, &Error{Kind: KindInternal, Message: "key " + quote(item.Key) + ": " + err.Error(), Err: err})
	}
	L.Push(t)
	return 1
}

func (h *handle) itemTable(L *lua.LState, item backends.Item) (*lua.LTable, error) {
	v, err := h.m.dec.decode(L, item.Value)
	if err != nil {
		return nil, err
	}
	t := L.CreateTable(0, 3)
	t.RawSetString("key", lua.LString(item.Key))
	t.RawSetString("value", v)
	t.RawSetString("version", lua.LString(item.Version))
	return t, nil
}

// pushKeyError pushes the error for err, naming key when it is NOT_FOUND.
func (h *handle) pushKeyError(L *lua.LState, key string, err error) int {
	ctx := callContext(L)
	if KindOf(err) == KindNotFound {
		return h.m.pushError(L, &Error{Kind: KindNotFound, Message: "key " + quote(key) + " not found", Err: err})
	}
	return h.m.pushGoError(L, ctx, err)
}

// handleEntry implements s:entry(key) -> {key=, value=, version=} | nil, err.
// version is an opaque string that changes on every write of the key ("" on
// a store that keeps no versions). A missing or expired key is NOT_FOUND.
func handleEntry(L *lua.LState) int {
	h, x, key, n, ok := beginKeyed(L, "entry")
	if !ok {
		return n
	}
	item, err := x.Entry(callContext(L), key)
	if err != nil {
		return h.pushKeyError(L, key, err)
	}
	return h.pushItem(L, item)
}

// handlePut implements s:put(key, value, opts?) -> entry | nil, err. opts:
// ttl (seconds, as for set), only_if_absent (ALREADY_EXISTS if a live key
// exists), if_version (a version string from entry or put; CONFLICT if the
// live key's version differs or the key is gone). only_if_absent and
// if_version together are INVALID; so is if_version on a store without
// versions.
func handlePut(L *lua.LState) int {
	h, x, key, n, ok := beginKeyed(L, "put")
	if !ok {
		return n
	}
	opts, n, ok := h.options(L, 4, "put", "ttl", "only_if_absent", "if_version")
	if !ok {
		return n
	}
	var po backends.PutOptions
	var msg string
	if po.TTL, msg = parseTTL(opts.RawGetString("ttl"), "ttl"); msg != "" {
		return h.m.invalid(L, msg)
	}
	switch lv := opts.RawGetString("only_if_absent").(type) {
	case lua.LBool:
		po.OnlyIfAbsent = bool(lv)
	default:
		if lv != lua.LNil {
			return h.m.invalid(L, "put: only_if_absent must be a boolean, got "+describe(lv))
		}
	}
	switch lv := opts.RawGetString("if_version").(type) {
	case lua.LString:
		po.IfVersion, po.HasIfVersion = string(lv), true
	default:
		if lv != lua.LNil {
			return h.m.invalid(L, "put: if_version must be a version string, got "+describe(lv))
		}
	}
	if po.OnlyIfAbsent && po.HasIfVersion {
		return h.m.invalid(L, "put: only_if_absent and if_version exclude each other")
	}
	b, err := h.m.enc.encode(L.Get(3))
	if err != nil {
		return h.m.pushError(L, &Error{Kind: KindInvalid, Message: err.Error(), Err: err})
	}
	ctx := callContext(L)
	item, err := x.Put(ctx, key, b, po)
	if err != nil {
		h.m.enc.release()
		return h.m.pushGoError(L, ctx, err)
	}
	n = h.pushItem(L, item) // item.Value may be the encoder's buffer: decode first
	h.m.enc.release()
	return n
}

// handleList implements s:list(opts?) -> {items={entry...}, cursor=,
// has_more=} | nil, err. Items are live entries in byte-wise key order.
// opts: prefix (only keys starting with it), after (a cursor: only keys
// after it), limit (1 to 1000, default 100). cursor is the key of the last
// item, or opts.after when the page is empty (absent when both are); pass
// it as after for the next page while has_more is true.
func handleList(L *lua.LState) int {
	h, x, n, ok := begin(L, "list")
	if !ok {
		return n
	}
	// Argument 2 is the options: s:list(opts).
	opts, n, ok := h.options(L, 2, "list", "prefix", "after", "limit")
	if !ok {
		return n
	}
	var lo backends.ListOptions
	for _, f := range []struct {
		name string
		dst  *string
	}{{"prefix", &lo.Prefix}, {"after", &lo.After}} {
		switch lv := opts.RawGetString(f.name).(type) {
		case lua.LString:
			*f.dst = string(lv)
		default:
			if lv != lua.LNil {
				return h.m.invalid(L, "list: "+f.name+" must be a string, got "+describe(lv))
			}
		}
	}
	if lv := opts.RawGetString("limit"); lv != lua.LNil {
		f, ok := lv.(lua.LNumber)
		if !ok || float64(f) != math.Trunc(float64(f)) || f < 1 || f > backends.MaxListLimit {
			return h.m.invalid(L, "list: limit must be an integer from 1 to "+strconv.Itoa(backends.MaxListLimit)+", got "+describeNumber(lv))
		}
		lo.Limit = int(f)
	}
	ctx := callContext(L)
	page, err := x.List(ctx, lo)
	if err != nil {
		return h.m.pushGoError(L, ctx, err)
	}
	items := L.CreateTable(len(page.Items), 0)
	for i, item := range page.Items {
		t, err := h.itemTable(L, item)
		if err != nil {
			return h.m.pushError(L, &Error{Kind: KindInternal, Message: "key " + quote(item.Key) + ": " + err.Error(), Err: err})
		}
		items.RawSetInt(i+1, t)
	}
	res := L.CreateTable(0, 3)
	res.RawSetString("items", items)
	if page.Cursor != "" {
		res.RawSetString("cursor", lua.LString(page.Cursor))
	}
	res.RawSetString("has_more", lua.LBool(page.HasMore))
	L.Push(res)
	return 1
}

func describeNumber(lv lua.LValue) string {
	if n, ok := lv.(lua.LNumber); ok {
		return formatNumber(float64(n))
	}
	return describe(lv)
}

// handleIncr implements s:incr(key, delta?, opts?) -> number | nil, err.
// It atomically adds delta (default 1) to the number stored under key. A
// missing key starts from opts.init (default 0) and gets opts.ttl; an
// existing key keeps its expiry. delta, init and the result must be finite
// numbers; a stored value that is not a number is INVALID.
func handleIncr(L *lua.LState) int {
	h, x, key, n, ok := beginKeyed(L, "incr")
	if !ok {
		return n
	}
	delta := 1.0
	if lv := L.Get(3); lv != lua.LNil {
		var msg string
		if delta, msg = finite(lv, "incr: delta"); msg != "" {
			return h.m.invalid(L, msg)
		}
	}
	opts, n, ok := h.options(L, 4, "incr", "init", "ttl")
	if !ok {
		return n
	}
	var io backends.IncrOptions
	var msg string
	if lv := opts.RawGetString("init"); lv != lua.LNil {
		if io.Init, msg = finite(lv, "incr: init"); msg != "" {
			return h.m.invalid(L, msg)
		}
	}
	if io.TTL, msg = parseTTL(opts.RawGetString("ttl"), "ttl"); msg != "" {
		return h.m.invalid(L, msg)
	}
	ctx := callContext(L)
	v, err := x.Incr(ctx, key, delta, io)
	if err != nil {
		return h.m.pushGoError(L, ctx, err)
	}
	L.Push(lua.LNumber(v))
	return 1
}

// handleTTL implements s:ttl(key) -> seconds | nil, err: the time left on
// a live key in seconds (millisecond resolution, rounded up, so a live key
// never shows 0), or -1 when it has no expiry. A missing key is NOT_FOUND.
func handleTTL(L *lua.LState) int {
	h, x, key, n, ok := beginKeyed(L, "ttl")
	if !ok {
		return n
	}
	left, has, err := x.TTL(callContext(L), key)
	if err != nil {
		return h.pushKeyError(L, key, err)
	}
	if !has {
		L.Push(lua.LNumber(-1))
		return 1
	}
	ms := (left + 999_999) / 1_000_000 // whole milliseconds, rounded up
	L.Push(lua.LNumber(float64(ms) / 1000))
	return 1
}

// handleExpire implements s:expire(key, ttl) -> boolean | nil, err: sets
// the expiry of a live key to ttl seconds from now (0 removes it) and
// returns true, or returns false when there is no live key.
func handleExpire(L *lua.LState) int {
	h, x, key, n, ok := beginKeyed(L, "expire")
	if !ok {
		return n
	}
	if _, isNum := L.Get(3).(lua.LNumber); !isNum {
		return h.m.invalid(L, "ttl must be a number of seconds (0 removes the expiry), got "+describe(L.Get(3)))
	}
	ttl, msg := parseTTL(L.Get(3), "ttl")
	if msg != "" {
		return h.m.invalid(L, msg)
	}
	ctx := callContext(L)
	found, err := x.Expire(ctx, key, ttl)
	if err != nil {
		return h.m.pushGoError(L, ctx, err)
	}
	L.Push(lua.LBool(found))
	return 1
}

// handleInfo implements s:info() -> table | nil, err: id (the ID the handle
// was acquired with), kind, backend, durable, size (live keys; may be
// approximate on SQL stores), max_size (0: no limit), consistency (a
// one-line text, only when the backend reports one) and capabilities
// (ttl, list, versioned, conditional_put, incr: booleans).
func handleInfo(L *lua.LState) int {
	h, x, n, ok := begin(L, "info")
	if !ok {
		return n
	}
	ctx := callContext(L)
	info, err := x.Info(ctx)
	if err != nil {
		return h.m.pushGoError(L, ctx, err)
	}
	caps := L.CreateTable(0, 5)
	caps.RawSetString("ttl", lua.LBool(info.TTL))
	caps.RawSetString("list", lua.LBool(info.List))
	caps.RawSetString("versioned", lua.LBool(info.Versioned))
	caps.RawSetString("conditional_put", lua.LBool(info.ConditionalPut))
	caps.RawSetString("incr", lua.LBool(info.Incr))
	t := L.CreateTable(0, 7)
	t.RawSetString("id", lua.LString(h.id))
	t.RawSetString("kind", lua.LString(info.Kind))
	t.RawSetString("backend", lua.LString(info.Backend))
	t.RawSetString("durable", lua.LBool(info.Durable))
	t.RawSetString("size", lua.LNumber(info.Size))
	t.RawSetString("max_size", lua.LNumber(info.MaxSize))
	if info.Consistency != "" {
		t.RawSetString("consistency", lua.LString(info.Consistency))
	}
	t.RawSetString("capabilities", caps)
	L.Push(t)
	return 1
}
