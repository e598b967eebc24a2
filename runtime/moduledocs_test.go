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
