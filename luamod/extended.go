package luamod

import (
	"context"
	"errors"
	"math"
	"slices"
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
	return nil, h.invalid(L, "s:"+method+" is not supported by this store"), false
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

// beginKeyed is begin for methods that take a key in argument 2, with the
// check of the method's action on that key.
func beginKeyed(L *lua.LState, method string) (*handle, backends.Extended, string, int, bool) {
	h, x, n, ok := begin(L, method)
	if !ok {
		return nil, nil, "", n, false
	}
	key, n, ok := h.key(L)
	if !ok {
		return nil, nil, "", n, false
	}
	if n, ok := h.checkKey(L, method, key); !ok {
		return nil, nil, "", n, false
	}
	return h, x, key, 0, true
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
		msg := method + ": options must be a table, got " + describe(lv)
		if n, isNum := lv.(lua.LNumber); isNum && slices.Contains(known, "init") {
			// ngx.shared.DICT:incr(key, value, init) takes init third.
			msg += " (for a starting value, write {init = " + n.String() + "})"
		}
		return nil, h.invalid(L, msg), false
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
		return nil, h.invalid(L, method+": unknown option "+describeKey(bad)+" (options are "+strings.Join(known, ", ")+")"), false
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
// fn names the method for a memory-limit error.
func (h *handle) pushItem(L *lua.LState, fn string, item backends.Item) int {
	h.m.dec.start(L, fn)
	t, err := h.itemTable(L, item)
	h.m.dec.finish()
	if err != nil {
		return h.pushDecodeError(L, callContext(L), item.Key, err)
	}
	L.Push(t)
	return 1
}

// itemTable makes the entry table of item; the caller has started h's
// decoder.
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
	if KindOf(err) == KindNotFound && !errors.Is(err, backends.ErrStoreRemoved) {
		return h.pushError(L, storeError(KindNotFound, "key "+quote(key)+" not found", err))
	}
	return h.pushGoError(L, ctx, err)
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
	return h.pushItem(L, "s:entry", item)
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
		return h.invalid(L, msg)
	}
	switch lv := opts.RawGetString("only_if_absent").(type) {
	case lua.LBool:
		po.OnlyIfAbsent = bool(lv)
	default:
		if lv != lua.LNil {
			return h.invalid(L, "put: only_if_absent must be a boolean, got "+describe(lv))
		}
	}
	switch lv := opts.RawGetString("if_version").(type) {
	case lua.LString:
		po.IfVersion, po.HasIfVersion = string(lv), true
	default:
		if lv != lua.LNil {
			return h.invalid(L, "put: if_version must be a version string, got "+describe(lv))
		}
	}
	if po.OnlyIfAbsent && po.HasIfVersion {
		return h.invalid(L, "put: only_if_absent and if_version exclude each other")
	}
	ctx := callContext(L)
	h.m.enc.start(ctx, "s:put")
	h.m.enc.store = h.vl
	b, err := h.m.enc.encode(L.Get(3))
	if err != nil {
		h.m.enc.release()
		return h.pushEncodeError(L, ctx, err)
	}
	item, err := x.Put(ctx, key, b, po)
	if err != nil {
		h.m.enc.release()
		return h.pushGoError(L, ctx, err)
	}
	n = h.pushItem(L, "s:put", item) // item.Value may be the encoder's buffer: decode first
	h.m.enc.release()
	return n
}

// handleList implements s:list(opts?) -> {items={entry...}, cursor=,
// has_more=} | nil, err. Items are live entries in byte-wise key order.
// opts: prefix (only keys starting with it), after (a cursor: only keys
// after it), limit (1 to 1000, default 100). cursor is the key of the last
// item, or opts.after when the page is empty ("" when both are, as in
// Wippy); pass it as after for the next page while has_more is true. An
// item whose stored bytes cannot be decoded has no value and an error
// field instead (naming the key: INTERNAL for bytes that are not
// MessagePack, INVALID for a value Lua cannot hold exactly, such as an
// integer beyond 2^53); the rest of the page is unaffected.
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
				return h.invalid(L, "list: "+f.name+" must be a string, got "+describe(lv))
			}
		}
	}
	if lv := opts.RawGetString("limit"); lv != lua.LNil {
		f, ok := lv.(lua.LNumber)
		if !ok || float64(f) != math.Trunc(float64(f)) || f < 1 || f > backends.MaxListLimit {
			return h.invalid(L, "list: limit must be an integer from 1 to "+strconv.Itoa(backends.MaxListLimit)+", got "+describeNumber(lv))
		}
		lo.Limit = int(f)
	}
	if !h.m.allowed(ActionKeyList, h.id, "prefix", lo.Prefix) {
		return h.m.denied(L, ActionKeyList, h.id, "")
	}
	ctx := callContext(L)
	var page backends.Page
	var err error
	if h.m.sec.Checked() {
		page, err = listVisible(ctx, x, lo, h.visible)
	} else {
		page, err = x.List(ctx, lo)
	}
	if err != nil {
		return h.pushGoError(L, ctx, err)
	}
	items := L.CreateTable(len(page.Items), 0)
	// The page's values are charged to the run's memory cap together.
	h.m.dec.start(L, "s:list")
	defer h.m.dec.finish()
	for i, item := range page.Items {
		var t *lua.LTable
		err := item.Err
		if err == nil {
			t, err = h.itemTable(L, item)
		}
		if err != nil && stopsRun(err) {
			// Not about this item's bytes: the rest of the page would
			// fail alike.
			return h.pushGoError(L, ctx, err)
		}
		if err != nil {
			// One undecodable value must not hide the rest of the page:
			// its item carries the error instead of a value.
			t = L.CreateTable(0, 3)
			t.RawSetString("key", lua.LString(item.Key))
			t.RawSetString("version", lua.LString(item.Version))
			t.RawSetString("error", h.m.newError(L, storeError(KindOf(err), "key "+quote(item.Key)+": "+Message(err, KindOf(err)), err), h.id))
		}
		items.RawSetInt(i+1, t)
	}
	res := L.CreateTable(0, 3)
	res.RawSetString("items", items)
	res.RawSetString("cursor", lua.LString(page.Cursor))
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
			return h.invalid(L, msg)
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
			return h.invalid(L, msg)
		}
	}
	if io.TTL, msg = parseTTL(opts.RawGetString("ttl"), "ttl"); msg != "" {
		return h.invalid(L, msg)
	}
	ctx := callContext(L)
	v, err := x.Incr(ctx, key, delta, io)
	if err != nil {
		return h.pushGoError(L, ctx, err)
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
		return h.invalid(L, "ttl must be a number of seconds (0 removes the expiry), got "+describe(L.Get(3)))
	}
	ttl, msg := parseTTL(L.Get(3), "ttl")
	if msg != "" {
		return h.invalid(L, msg)
	}
	ctx := callContext(L)
	found, err := x.Expire(ctx, key, ttl)
	if err != nil {
		return h.pushGoError(L, ctx, err)
	}
	L.Push(lua.LBool(found))
	return 1
}

// handleInfo implements s:info() -> table | nil, err. The fields are
// Wippy's, flat: id (the ID the handle was acquired with), backend (one of
// store.backend), consistency (one of store.consistency), durable, and the
// capability booleans list, versioned, conditional_put, ttl; plus
// luahost's: kind, dialect (the SQL dialect, on SQL stores only), size
// (live keys; may be approximate on SQL stores), max_size (0: no limit),
// bytes and max_bytes (on stores that count the bytes they hold: the
// bytes of keys and values of the live keys, and their limit, 0 for none),
// incr, and capabilities (the capability booleans again, as a table).
func handleInfo(L *lua.LState) int {
	h, x, n, ok := begin(L, "info")
	if !ok {
		return n
	}
	if n, ok := h.check(L, ActionStoreInfo, ""); !ok {
		return n
	}
	ctx := callContext(L)
	info, err := x.Info(ctx)
	if err != nil {
		return h.pushGoError(L, ctx, err)
	}
	backend, dialect, consistency := describeBackend(info)
	caps := L.CreateTable(0, 5)
	t := L.CreateTable(0, 17)
	for _, c := range []struct {
		name string
		on   bool
	}{
		{"ttl", info.TTL}, {"list", info.List}, {"versioned", info.Versioned},
		{"conditional_put", info.ConditionalPut}, {"incr", info.Incr},
	} {
		caps.RawSetString(c.name, lua.LBool(c.on))
		t.RawSetString(c.name, lua.LBool(c.on))
	}
	t.RawSetString("id", lua.LString(h.id))
	t.RawSetString("kind", lua.LString(info.Kind))
	t.RawSetString("backend", lua.LString(backend))
	if dialect != "" {
		t.RawSetString("dialect", lua.LString(dialect))
	}
	t.RawSetString("consistency", lua.LString(consistency))
	t.RawSetString("durable", lua.LBool(info.Durable))
	t.RawSetString("size", lua.LNumber(info.Size))
	t.RawSetString("max_size", lua.LNumber(info.MaxSize))
	if info.CountsBytes {
		t.RawSetString("bytes", lua.LNumber(info.Bytes))
		t.RawSetString("max_bytes", lua.LNumber(info.MaxBytes))
	}
	if info.ConsistencyNote != "" {
		t.RawSetString("consistency_note", lua.LString(info.ConsistencyNote))
	}
	t.RawSetString("capabilities", caps)
	L.Push(t)
	return 1
}

// Backends, as store.backend names them.
var backendNames = [...]struct{ name, value string }{
	{"MEMORY", "memory"},
	{"SQL", "sql"},
	{"REDIS", "redis"},
	{"KV_RAFT", "kv_raft"},
	{"KV_CRDT", "kv_crdt"},
	{"UNKNOWN", "unknown"},
}

// Consistency levels, as store.consistency names them.
var consistencyNames = [...]struct{ name, value string }{
	{"LINEARIZABLE", backends.ConsistencyLinearizable},
	{"EVENTUAL", backends.ConsistencyEventual},
	{"LOCAL", backends.ConsistencyLocal},
	{"UNKNOWN", backends.ConsistencyUnknown},
}

// describeBackend maps what a Go store reports to what info() shows: the
// SQL dialects are backend "sql" with the dialect apart, as in Wippy;
// names info() does not know are "unknown". A store that leaves
// Consistency empty gets its backend's: linearizable for one SQL database
// or Redis server, local for memory.
func describeBackend(info backends.Info) (backend, dialect, consistency string) {
	switch info.Backend {
	case "sqlite", "postgres", "mysql":
		backend, dialect = "sql", info.Backend
	case "memory", "redis", "kv_raft", "kv_crdt":
		backend = info.Backend
	default:
		backend = "unknown"
	}
	consistency = info.Consistency
	if consistency == "" {
		switch backend {
		case "sql", "redis":
			consistency = backends.ConsistencyLinearizable
		case "memory":
			consistency = backends.ConsistencyLocal
		default:
			consistency = backends.ConsistencyUnknown
		}
	}
	return backend, dialect, consistency
}

// constTable returns a table of name = value pairs.
func constTable(L *lua.LState, pairs []struct{ name, value string }) *lua.LTable {
	t := L.CreateTable(0, len(pairs))
	for _, p := range pairs {
		t.RawSetString(p.name, lua.LString(p.value))
	}
	return t
}

// listVisible is List for a run whose scope may hide keys: it returns up
// to lo.Limit keys that visible accepts, reading on past hidden keys, so
// neither the page, its cursor (the last key returned, or lo.After) nor
// has_more (true only when a visible key follows) tells anything of the
// hidden keys' names or number.
func listVisible(ctx context.Context, x backends.Extended, lo backends.ListOptions, visible func(string) bool) (backends.Page, error) {
	limit := lo.Limit
	if limit <= 0 {
		limit = backends.DefaultListLimit
	}
	var out backends.Page
	scan := lo
	scan.Limit = min(limit+1, backends.MaxListLimit)
	for {
		page, err := x.List(ctx, scan)
		if err != nil {
			return backends.Page{}, err
		}
		for _, item := range page.Items {
			if !visible(item.Key) {
				continue
			}
			if len(out.Items) == limit {
				out.HasMore = true
				break
			}
			out.Items = append(out.Items, item)
		}
		if out.HasMore || !page.HasMore || len(page.Items) == 0 {
			break
		}
		scan.After = page.Items[len(page.Items)-1].Key
	}
	out.Cursor = lo.After
	if n := len(out.Items); n > 0 {
		out.Cursor = out.Items[n-1].Key
	}
	return out, nil
}
