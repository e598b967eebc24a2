package luastd

import (
	"reflect"

	lua "github.com/yuin/gopher-lua"
)

// baseSetMetatable is setmetatable(t, mt) as Lua 5.1's: t must be a table
// (gopher-lua's also set the shared metatable of a number or string) and
// mt nil or a table, present; a metatable with a __metatable field, even
// false, cannot be changed.
func baseSetMetatable(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		// Raised as gopher-lua raises argument errors, so that the
		// message names the function as its caller does.
		L.ArgError(1, "table expected, got "+typeName(L, 1))
	}
	mt := L.Get(2)
	if L.GetTop() < 2 || (mt != lua.LNil && mt.Type() != lua.LTTable) {
		L.ArgError(2, "nil or table expected")
	}
	if old, ok := t.Metatable.(*lua.LTable); ok && old.RawGetString("__metatable") != lua.LNil {
		raise(L, "cannot change a protected metatable")
	}
	L.SetMetatable(t, mt)
	L.SetTop(1)
	return 1
}

// baseNext is next(t [, k]) as Lua 5.1's: a key t has never held (or one
// not in t any more, after the table was traversed and rebuilt) is an
// error, "invalid key to 'next'", where gopher-lua's gave nil and so
// ended a traversal early without a word. A key whose value was set to
// nil during the traversal stays valid, as in Lua 5.1.
func baseNext(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		L.ArgError(1, "table expected, got "+typeName(L, 1))
	}
	key := L.Get(2)
	if key != lua.LNil && t.RawGet(key) == lua.LNil && !hasSlot(t, key) {
		L.Error(lua.LString("invalid key to 'next'"), 0)
	}
	k, v := t.Next(key)
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

// tableFields finds LTable's array part and its index of hash keys
// (unexported): gopher-lua keeps a key there after its value is set to
// nil, which is what makes it a valid key for next. nil when the fields
// are not there as expected; every key then counts as valid.
var tableFields = func() *[2]int {
	typ := reflect.TypeOf(lua.LTable{})
	arr, ok1 := typ.FieldByName("array")
	k2i, ok2 := typ.FieldByName("k2i")
	lv := reflect.TypeOf((*lua.LValue)(nil)).Elem()
	if !ok1 || !ok2 || arr.Type.Kind() != reflect.Slice || arr.Type.Elem() != lv ||
		k2i.Type.Kind() != reflect.Map || k2i.Type.Key() != lv {
		return nil
	}
	return &[2]int{arr.Index[0], k2i.Index[0]}
}()

// hasSlot reports whether key, whose value in t is nil, still names a slot
// of t that next can go on from: an index of its array part, or a hash
// key once set.
func hasSlot(t *lua.LTable, key lua.LValue) bool {
	f := tableFields
	if f == nil {
		return true
	}
	v := reflect.ValueOf(t).Elem()
	if n, ok := key.(lua.LNumber); ok && n >= 1 && float64(n) == float64(int64(n)) &&
		int64(n) <= int64(v.Field(f[0]).Len()) {
		return true
	}
	k2i := v.Field(f[1])
	if k2i.IsNil() {
		return false
	}
	return k2i.MapIndex(reflect.ValueOf(&key).Elem()).IsValid()
}
