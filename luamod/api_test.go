package luamod

import (
	"context"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
)

type noStores struct{}

func (noStores) Store(context.Context, string) (backends.Store, error) {
	return nil, backends.ErrNotFound
}

// liveTables opens the modules in a real state and returns each table of
// functions scripts reach, by the module or class that documents it.
func liveTables(t *testing.T) (*lua.LState, map[string]*lua.LTable) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	Open(L, Options{Resolver: noStores{}})
	require := func(name string) *lua.LTable {
		if err := L.DoString(`return require("` + name + `")`); err != nil {
			t.Fatal(err)
		}
		v := L.Get(-1).(*lua.LTable)
		L.Pop(1)
		return v
	}
	// index returns the table of all methods: the last __index table of
	// the chain (store handles find a few methods in a table before it).
	index := func(key string) *lua.LTable {
		t := L.GetTypeMetatable(key).(*lua.LTable).RawGetString("__index").(*lua.LTable)
		for {
			mt, ok := t.Metatable.(*lua.LTable)
			if !ok {
				return t
			}
			t = mt.RawGetString("__index").(*lua.LTable)
		}
	}
	live := map[string]*lua.LTable{
		ModuleName:         require(ModuleName),
		"errors":           L.GetGlobal("errors").(*lua.LTable),
		SecurityModuleName: require(SecurityModuleName),
		"luahost.Store":    index(handleMetaKey),
		"luahost.Error":    index(errorMetaKey),
		"luahost.Actor":    index(actorMetaKey),
		"luahost.Scope":    index(scopeMetaKey),
		"luahost.Policy":   index(policyMetaKey),
	}
	return L, live
}

// documented returns the names a module or class documents, by the name
// of the module or class.
func documented() map[string][]string {
	out := map[string][]string{}
	funcNames := func(fs []FuncDoc) []string {
		var names []string
		for _, f := range fs {
			names = append(names, f.Name)
			names = append(names, f.Also...)
		}
		return names
	}
	for _, m := range Docs() {
		names := funcNames(m.Funcs)
		for _, f := range m.Fields {
			names = append(names, f.Name)
		}
		out[m.Name] = names
		for _, c := range m.Classes {
			if len(c.Methods) > 0 {
				out[c.Name] = funcNames(c.Methods)
			}
		}
	}
	return out
}

// diff lists the keys of live with no documentation and the documented
// names live lacks.
func diff(live *lua.LTable, doc []string) (undocumented, stale []string) {
	seen := map[string]bool{}
	live.ForEach(func(k, _ lua.LValue) {
		name := k.String()
		seen[name] = true
		if !slices.Contains(doc, name) {
			undocumented = append(undocumented, name)
		}
	})
	for _, name := range doc {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	slices.Sort(undocumented)
	return undocumented, stale
}

// TestDocsCoverLiveTables walks every table of functions a state holds
// after Open and fails for a function or constant without a definition,
// and for a definition of something the state does not have.
func TestDocsCoverLiveTables(t *testing.T) {
	_, live := liveTables(t)
	docs := documented()
	for name, tbl := range live {
		doc, ok := docs[name]
		if !ok {
			t.Errorf("%s: registered but Docs has no module or class of that name", name)
			continue
		}
		undocumented, stale := diff(tbl, doc)
		if len(undocumented) > 0 {
			t.Errorf("%s: registered with no definition in Docs: %s", name, strings.Join(undocumented, ", "))
		}
		if len(stale) > 0 {
			t.Errorf("%s: defined in Docs but not registered: %s", name, strings.Join(stale, ", "))
		}
	}
	for name := range docs {
		if _, ok := live[name]; !ok {
			t.Errorf("%s: in Docs but this test does not check it against a live table", name)
		}
	}
}

// TestDocsCoverageCatchesDrift adds a function to each live table the way
// a new registration would, and checks the comparison reports it.
func TestDocsCoverageCatchesDrift(t *testing.T) {
	L, live := liveTables(t)
	docs := documented()
	for name, tbl := range live {
		tbl.RawSetString("added_later", L.NewFunction(func(*lua.LState) int { return 0 }))
		if undocumented, _ := diff(tbl, docs[name]); !slices.Equal(undocumented, []string{"added_later"}) {
			t.Errorf("%s: undocumented %q, want [added_later]", name, undocumented)
		}
		tbl.RawSetString("get", lua.LNil)
		tbl.RawSetString("id", lua.LNil)
		tbl.RawSetString("is", lua.LNil)
		tbl.RawSetString("can", lua.LNil)
		tbl.RawSetString("kind", lua.LNil)
		tbl.RawSetString("policies", lua.LNil)
		if _, stale := diff(tbl, docs[name]); len(stale) == 0 {
			t.Errorf("%s: removing a registered function went unnoticed", name)
		}
	}
}

// TestSameFunctionUnderOtherNames checks an Also name is the very function
// (s.has == s.exists), not a copy.
func TestSameFunctionUnderOtherNames(t *testing.T) {
	_, live := liveTables(t)
	methods := live["luahost.Store"]
	if methods.RawGetString("has") != methods.RawGetString("exists") {
		t.Fatal("s.has is not s.exists")
	}
}

// TestHotMethodsAreTheMethods checks the handle methods found first are
// the registered functions themselves, and that every method is reached
// from a handle's metatable.
func TestHotMethodsAreTheMethods(t *testing.T) {
	L, live := liveTables(t)
	all := live["luahost.Store"]
	hot := L.GetTypeMetatable(handleMetaKey).(*lua.LTable).RawGetString("__index").(*lua.LTable)
	for _, name := range hotMethods {
		if v := hot.RawGetString(name); v == lua.LNil || v != all.RawGetString(name) {
			t.Errorf("hot method %q is %v, want the registered %v", name, v, all.RawGetString(name))
		}
	}
	all.ForEach(func(k, v lua.LValue) {
		if got := L.GetField(hot, k.String()); got != v {
			t.Errorf("method %q found through the handle's metatable is %v, want %v", k, got, v)
		}
	})
}
