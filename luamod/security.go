package luamod

import (
	"context"

	"github.com/vmihailenco/msgpack/v5"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/security"
)

// SecurityModuleName is the name scripts require the security module by.
const SecurityModuleName = "security"

// Store actions checked against a run's scope (the resource is the store
// ID; key actions carry meta.key, list meta.prefix).
const (
	ActionStoreGet  = "store.get"
	ActionStoreInfo = "store.info"
	ActionKeyGet    = "store.key.get"
	ActionKeySet    = "store.key.set"
	ActionKeyDelete = "store.key.delete"
	ActionKeyHas    = "store.key.has"
	ActionKeyList   = "store.key.list"
	ActionClear     = "store.clear"
)

// keyActions maps each store method that takes a key to its action.
var keyActions = map[string]string{
	"get": ActionKeyGet, "entry": ActionKeyGet, "ttl": ActionKeyGet,
	"set": ActionKeySet, "put": ActionKeySet, "incr": ActionKeySet, "expire": ActionKeySet,
	"delete": ActionKeyDelete,
	"exists": ActionKeyHas,
}

// SetSecurity sets the actor and scope of the run now using the state: every
// store call is checked against c's scope, and require("security") reports
// c. nil (or a Context without a scope) checks nothing. The host sets it
// before each run and clears it after; scripts cannot change it.
func (m *Module) SetSecurity(c *security.Context) { m.sec = c }

// Security returns what SetSecurity set.
func (m *Module) Security() *security.Context { return m.sec }

// allowed reports whether the run may do action on the store id with the
// attribute attr (meta.key or meta.prefix) when attrName is not "".
func (m *Module) allowed(action, id, attrName, attr string) bool {
	sc := m.sec
	if !sc.Checked() {
		return true
	}
	var meta map[string]any
	if attrName != "" {
		meta = m.meta
		clear(meta)
		meta[attrName] = attr
	}
	ok := sc.Scope.Evaluate(security.Request{Actor: sc.Actor, Action: action, Resource: id, Meta: meta}) == security.Allowed
	if meta != nil {
		clear(meta)
	}
	return ok
}

// denied pushes nil and the PERMISSION_DENIED error for action on id: it
// names the action, the store and the key the script asked for, never the
// policies.
func (m *Module) denied(L *lua.LState, action, id, key string) int {
	msg := action + " on " + quote(id)
	if key != "" {
		msg += " for key " + quote(key)
	}
	return m.pushError(L, storeError(KindPermissionDenied, msg+" is not allowed", backends.ErrPermissionDenied))
}

// check checks action (a key action when key is not "") on h's store,
// pushing the denial when it is not allowed.
func (h *handle) check(L *lua.LState, action, key string) (int, bool) {
	attr := ""
	if key != "" {
		attr = "key"
	}
	if h.m.allowed(action, h.id, attr, key) {
		return 0, true
	}
	return h.m.denied(L, action, h.id, key), false
}

// checkKey checks the key action of store method on h's store.
func (h *handle) checkKey(L *lua.LState, method, key string) (int, bool) {
	if !h.m.sec.Checked() { // the common, trusted case: no lookup at all
		return 0, true
	}
	return h.check(L, keyActions[method], key)
}

// visible filters a page of keys down to those the run may read.
func (h *handle) visible(key string) bool {
	return h.m.allowed(ActionKeyGet, h.id, "key", key)
}

const (
	actorMetaKey  = "luahost.security.actor"
	scopeMetaKey  = "luahost.security.scope"
	policyMetaKey = "luahost.security.policy"
)

// openSecurity preloads the security module: security.actor(),
// security.scope() and security.can(action, resource, meta?), which read
// the run's context set with SetSecurity. Nothing in it changes that
// context: a script cannot widen its own scope.
func (m *Module) openSecurity(L *lua.LState) {
	for _, mt := range securityObjects {
		meta := L.NewTypeMetatable(mt.key)
		meta.RawSetString("__index", register(L, L.NewTable(), mt.methods))
		meta.RawSetString("__metatable", lua.LFalse) // getmetatable cannot reach the methods
	}
	L.PreloadModule(SecurityModuleName, func(L *lua.LState) int {
		L.Push(m.bind(L, L.NewTable(), securityFuncs))
		return 1
	})
}

func newObject(L *lua.LState, metaKey string, v any) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = v
	ud.Metatable = L.GetTypeMetatable(metaKey)
	return ud
}

// securityActor implements security.actor() -> actor | nil: the run's
// actor, with actor:id() and actor:meta() (a fresh table each call), as in
// Wippy.
func (m *Module) securityActor(L *lua.LState) int {
	if m.sec == nil || m.sec.Actor == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(newObject(L, actorMetaKey, m.sec.Actor))
	return 1
}

// securityScope implements security.scope() -> scope | nil: the run's
// scope, with scope:policies() (policy objects with policy:id()) and
// scope:contains(id).
func (m *Module) securityScope(L *lua.LState) int {
	if !m.sec.Checked() {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(newObject(L, scopeMetaKey, m.sec.Scope))
	return 1
}

// securityCan implements security.can(action, resource, meta?) -> boolean:
// whether the run's scope allows action on resource with the attributes
// meta (a table of storable values). Without a scope it is true.
func (m *Module) securityCan(L *lua.LState) int {
	action := L.CheckString(1)
	resource := L.CheckString(2)
	var meta map[string]any
	if lv := L.Get(3); lv != lua.LNil {
		t, ok := lv.(*lua.LTable)
		if !ok {
			L.ArgError(3, "meta must be a table, got "+lv.Type().String())
		}
		v, err := goValue(callContext(L), t)
		if err != nil {
			if stopsRun(err) {
				// The run's limits, not a bad argument: raised as the
				// error value a store call would return, so that it
				// reads and matches as the run's other limit errors.
				e := goError(callContext(L), err)
				if _, ok := err.(*ValueError); ok {
					e.Message = "security.can: meta: " + e.Message
				}
				L.Error(m.newError(L, e, ""), 1)
			}
			L.ArgError(3, "meta: "+err.Error())
		}
		meta, _ = v.(map[string]any)
		if meta == nil {
			meta = map[string]any{} // an empty table
		}
	}
	L.Push(lua.LBool(m.sec.Can(action, resource, meta)))
	return 1
}

func checkObject[T any](L *lua.LState, what string) T {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if v, ok := ud.Value.(T); ok {
			return v
		}
	}
	L.ArgError(1, what+" expected (call methods with a colon)")
	var zero T
	return zero
}

func actorID(L *lua.LState) int {
	a := checkObject[*security.Actor](L, "actor")
	L.Push(lua.LString(a.ID))
	return 1
}

func actorMeta(L *lua.LState) int {
	a := checkObject[*security.Actor](L, "actor")
	L.Push(luaValue(L, a.Meta))
	return 1
}

func scopePolicies(L *lua.LState) int {
	s := checkObject[*security.Scope](L, "scope")
	ps := s.Policies()
	t := L.CreateTable(len(ps), 0)
	for i, p := range ps {
		t.RawSetInt(i+1, newObject(L, policyMetaKey, p))
	}
	L.Push(t)
	return 1
}

func scopeContains(L *lua.LState) int {
	s := checkObject[*security.Scope](L, "scope")
	L.Push(lua.LBool(s.Contains(L.CheckString(2))))
	return 1
}

func policyID(L *lua.LState) int {
	p := checkObject[*security.Policy](L, "policy")
	L.Push(lua.LString(p.ID))
	return 1
}

// goValue converts a storable Lua value to Go through the store's
// MessagePack encoding (tables with string keys become map[string]any),
// within the limits of the run under ctx (see EncodeContext); the Go value
// is charged to the run's memory cap as large as its encoding.
func goValue(ctx context.Context, v lua.LValue) (any, error) {
	b, err := EncodeContext(ctx, v, "security.can")
	if err != nil {
		return nil, err
	}
	if err := luastd.Reserve(ctx, "security.can", int64(len(b))); err != nil {
		return nil, err
	}
	var out any
	if err := msgpack.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// luaValue converts Go data (actor meta) to a fresh Lua value; what cannot
// be converted becomes nil.
func luaValue(L *lua.LState, v any) lua.LValue {
	if v == nil {
		return L.NewTable()
	}
	b, err := msgpack.Marshal(v)
	if err != nil {
		return lua.LNil
	}
	lv, err := Decode(L, b)
	if err != nil {
		return lua.LNil
	}
	return lv
}
