package runtime_test

import (
	"context"
	"slices"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/luals"
	"github.com/luahost/luahost/runtime"
)

func greetLoader(L *lua.LState) int {
	mod := L.NewTable()
	L.SetField(mod, "hello", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("hello, " + L.CheckString(1)))
		return 1
	}))
	L.Push(mod)
	return 1
}

var greetDoc = runtime.ModuleDoc{
	Name: "ignored", // PreloadModule sets it
	Doc:  "Greetings.",
	Funcs: []luamod.FuncDoc{{
		Name:    "hello",
		Params:  []luamod.ParamDoc{{Name: "who", Type: "string"}},
		Returns: []luamod.ReturnDoc{{Type: "string"}},
	}},
}

func docNames(docs []runtime.ModuleDoc) []string {
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	return names
}

// TestPreloadModuleDocs checks a module preloaded with a description
// loads as Preload's do and is described after the built-in modules,
// and that Preload under the same name drops the description.
func TestPreloadModuleDocs(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("r.yaml", "version: \"1.0\"\nnamespace: app\nentries: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	if got, want := docNames(rt.ModuleDocs()), []string{"store", "errors", "security"}; !slices.Equal(got, want) {
		t.Fatalf("ModuleDocs before any preload: %q, want %q", got, want)
	}
	rt.PreloadModule("greet", greetLoader, greetDoc)
	rt.PreloadModule("app.tools", greetLoader, greetDoc)
	rt.Preload("plain", greetLoader)
	docs := rt.ModuleDocs()
	if got, want := docNames(docs), []string{"store", "errors", "security", "app.tools", "greet"}; !slices.Equal(got, want) {
		t.Fatalf("ModuleDocs: %q, want %q", got, want)
	}
	if !docs[4].Require || docs[4].Doc != "Greetings." {
		t.Errorf("greet's description: %+v", docs[4])
	}
	res, err := rt.RunString(ctx, `return require("greet").hello("Ada"), require("app.tools").hello("Bo")`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0] != "hello, Ada" || res[1] != "hello, Bo" {
		t.Fatalf("results %q", res)
	}
	files, err := luals.Definitions(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 || files[4].Name != "greet.lua" {
		t.Fatalf("definition files %d, last %q", len(files), files[len(files)-1].Name)
	}
	rt.Preload("greet", greetLoader)
	if got, want := docNames(rt.ModuleDocs()), []string{"store", "errors", "security", "app.tools"}; !slices.Equal(got, want) {
		t.Fatalf("ModuleDocs after Preload replaced greet: %q, want %q", got, want)
	}
}

// lua51Globals are the globals of Lua 5.1's base library and libraries.
var lua51Globals = []string{
	"_G", "_VERSION", "assert", "collectgarbage", "coroutine", "debug", "dofile",
	"error", "gcinfo", "getfenv", "getmetatable", "io", "ipairs", "load", "loadfile",
	"loadstring", "math", "module", "newproxy", "next", "os", "package", "pairs",
	"pcall", "print", "rawequal", "rawget", "rawset", "require", "select",
	"setfenv", "setmetatable", "string", "table", "tonumber", "tostring", "type",
	"unpack", "xpcall",
}

// TestDocumentedGlobals checks the globals a script sees beyond Lua 5.1's
// are exactly those the descriptions declare (and .luarc.json lists).
func TestDocumentedGlobals(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("r.yaml", "version: \"1.0\"\nnamespace: app\nentries: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	var extra []string
	err = rt.Do(ctx, func(L *lua.LState) error {
		// A run's global table fills with every host global the first
		// time it is traversed.
		if err := L.DoString("next(_G)"); err != nil {
			return err
		}
		L.G.Global.ForEach(func(k, _ lua.LValue) {
			if !slices.Contains(lua51Globals, k.String()) {
				extra = append(extra, k.String())
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(extra)
	if want := luals.Globals(rt.ModuleDocs()); !slices.Equal(extra, want) {
		t.Fatalf("globals beyond Lua 5.1: %q; documented: %q", extra, want)
	}
}
