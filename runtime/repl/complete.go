package repl

import (
	"slices"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxIndexChain bounds how many __index tables completion follows.
const maxIndexChain = 16

// complete returns the completions of the name that ends line, and that
// name's length: globals and keywords for a bare name ("pri"), fields for
// a path ("string.fo", "t.a"), methods after a colon ("s:ge", where the
// methods come from the value's metatable __index, as for store handles).
// It reads tables raw and runs no Lua code.
func complete(L *lua.LState, line string) (cands []string, prefix string) {
	start := len(line)
	for start > 0 && isNameByte(line[start-1]) {
		start--
	}
	expr := line[start:]
	if expr == "" || expr[0] >= '0' && expr[0] <= '9' || expr[0] == '.' || expr[0] == ':' {
		return nil, ""
	}
	cut := strings.LastIndexAny(expr, ".:")
	if cut < 0 {
		names := keys(L, L.Get(lua.GlobalsIndex), false)
		names = append(names, keywords...)
		return matching(names, expr), expr
	}
	path, sep, prefix := expr[:cut], expr[cut], expr[cut+1:]
	if strings.Contains(path, ":") {
		return nil, "" // a method call is not a value
	}
	v := L.Get(lua.GlobalsIndex)
	for name := range strings.SplitSeq(path, ".") {
		if !isIdent(name) {
			return nil, ""
		}
		v = lookup(L, v, name)
		if v == lua.LNil {
			return nil, ""
		}
	}
	return matching(keys(L, v, sep == ':'), prefix), prefix
}

func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lookup is v.name without metamethod calls: a raw get, then the __index
// tables of v's metatable.
func lookup(L *lua.LState, v lua.LValue, name string) lua.LValue {
	for range maxIndexChain {
		if t, ok := v.(*lua.LTable); ok {
			if f := t.RawGetString(name); f != lua.LNil {
				return f
			}
		}
		next, ok := indexTable(L, v)
		if !ok {
			return lua.LNil
		}
		v = next
	}
	return lua.LNil
}

// indexTable returns the __index table of v's metatable (the string
// library for strings).
func indexTable(L *lua.LState, v lua.LValue) (*lua.LTable, bool) {
	mt, ok := L.GetMetatable(v).(*lua.LTable)
	if !ok {
		return nil, false
	}
	idx, ok := mt.RawGetString("__index").(*lua.LTable)
	return idx, ok
}

// keys lists the identifier keys of v and of its __index tables; methods
// keeps only functions.
func keys(L *lua.LState, v lua.LValue, methods bool) []string {
	var out []string
	seen := map[*lua.LTable]bool{}
	for range maxIndexChain {
		if t, ok := v.(*lua.LTable); ok && !seen[t] {
			seen[t] = true
			t.ForEach(func(k, val lua.LValue) {
				s, ok := k.(lua.LString)
				if !ok || !isIdent(string(s)) {
					return
				}
				if _, fn := val.(*lua.LFunction); methods && !fn {
					return
				}
				out = append(out, string(s))
			})
		}
		idx, ok := indexTable(L, v)
		if !ok {
			break
		}
		v = idx
	}
	return out
}

// matching returns the sorted, distinct names that start with prefix.
func matching(names []string, prefix string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
