package luals_test

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/luals"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// hostModule is a module a Go host documents, with what the writer must
// handle: a dotted name, an optional parameter, varargs, a constant.
var hostModule = luamod.ModuleDoc{
	Name:    "app.greet",
	Require: true,
	Doc:     "Greetings.\nTwo lines of doc.",
	Fields:  []luamod.FieldDoc{{Name: "DEFAULT", Type: "string", Value: `"hello"`, Doc: "The default greeting."}},
	Funcs: []luamod.FuncDoc{{
		Name:    "greet",
		Doc:     "Greets who.",
		Params:  []luamod.ParamDoc{{Name: "who", Type: "string"}, {Name: "greeting", Type: "string", Optional: true}, {Name: "...", Type: "any"}},
		Returns: []luamod.ReturnDoc{{Type: "string", Name: "text", Doc: "the greeting"}},
	}},
}

// TestGolden compares the definition files of the built-in modules and a
// host module with testdata/*.lua; go test -update rewrites them.
func TestGolden(t *testing.T) {
	mods := append(luamod.Docs(), hostModule)
	files, err := luals.Definitions(mods)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if want := []string{"store.lua", "errors.lua", "security.lua", "app.greet.lua"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	files = append(files, luals.File{Name: "luarc.json", Data: luals.LuaRC(".luahost/types", mods)})
	for _, f := range files {
		golden := filepath.Join("testdata", f.Name)
		if *update {
			if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(f.Data) != string(want) {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", f.Name, golden, f.Data)
		}
	}
}

// TestLuaSyntax checks that every definition file parses as Lua 5.1 with
// the reference compiler.
func TestLuaSyntax(t *testing.T) {
	luac, err := exec.LookPath("luac5.1")
	if err != nil {
		if os.Getenv("LUAHOST_REQUIRE_DB") != "" || os.Getenv("CI") == "true" {
			t.Fatal("luac5.1 is not installed (apt-get install lua5.1); CI requires it")
		}
		t.Skip("luac5.1 is not installed")
	}
	dir := t.TempDir()
	if err := luals.Write(dir, append(luamod.Docs(), hostModule)); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.lua"))
	if len(paths) != 4 {
		t.Fatalf("wrote %d files, want 4", len(paths))
	}
	for _, p := range paths {
		if out, err := exec.Command(luac, "-p", p).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", filepath.Base(p), err, out)
		}
	}
}

func TestLuaRC(t *testing.T) {
	mods := luamod.Docs()
	tests := []struct {
		name     string
		existing string
		want     map[string]any // keys checked
		err      string
	}{
		{name: "fresh", want: map[string]any{
			"runtime.version":     "Lua 5.1",
			"diagnostics.globals": []any{"errors", "store"},
			"workspace.library":   []any{"types"},
		}},
		{name: "merge keeps other keys and entries", existing: `{"diagnostics.globals": ["ngx", "store"], "workspace.library": ["lib"], "hint.enable": true, "runtime.version": "LuaJIT"}`,
			want: map[string]any{
				"runtime.version":     "Lua 5.1",
				"diagnostics.globals": []any{"ngx", "store", "errors"},
				"workspace.library":   []any{"lib", "types"},
				"hint.enable":         true,
			}},
		{name: "comments", existing: "{\n// editor settings\n}", err: "not plain JSON"},
		// What to add by hand is JSON, so it can be pasted in.
		{name: "comments say what to add", existing: "{\n// editor settings\n}",
			err: `add runtime.version "Lua 5.1", diagnostics.globals ["errors","store"] and workspace.library ["types"] yourself`},
		{name: "nested keys", existing: `{"runtime": {"version": "Lua 5.4"}}`, err: `key "runtime" is nested`},
		{name: "nested keys say what to add", existing: `{"runtime": {"version": "Lua 5.4"}}`, err: `diagnostics.globals ["errors","store"]`},
		{name: "wrong type", existing: `{"workspace.library": "lib"}`, err: `key "workspace.library": want an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := luals.MergeLuaRC([]byte(tt.existing), "types", mods)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, b)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestDefinitionsRejectBadNames(t *testing.T) {
	tests := []struct {
		name string
		mod  luamod.ModuleDoc
		err  string
	}{
		{"global not a name", luamod.ModuleDoc{Name: "my-mod", Global: true}, `module "my-mod": not a valid global name`},
		{"module not loadable", luamod.ModuleDoc{Name: "m"}, "neither a global nor loadable"},
		{"function keyword", luamod.ModuleDoc{Name: "m", Require: true, Funcs: []luamod.FuncDoc{{Name: "end"}}}, `function "end": not a Lua name`},
		{"parameter", luamod.ModuleDoc{Name: "m", Require: true, Funcs: []luamod.FuncDoc{{Name: "f", Params: []luamod.ParamDoc{{Name: "a b"}}}}}, `parameter "a b"`},
		{"field", luamod.ModuleDoc{Name: "m", Require: true, Fields: []luamod.FieldDoc{{Name: "1x"}}}, `field "1x"`},
		{"twice", luamod.ModuleDoc{Name: "store", Require: true}, `module "store": described twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := []luamod.ModuleDoc{tt.mod}
			if tt.name == "twice" {
				mods = append(luamod.Docs(), tt.mod)
			}
			_, err := luals.Definitions(mods)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want it to contain %q", err, tt.err)
			}
		})
	}
}

func TestGenerated(t *testing.T) {
	tests := []struct {
		name string
		text string
		want bool
	}{
		{"a module", "---@meta store\n" + luals.Header + "\n\nlocal x\n", true},
		{"globals", "---@meta _\n" + luals.Header + "\n", true},
		{"no newline after the header", "---@meta app.greet\n" + luals.Header, true},
		{"CRLF line ends", "---@meta store\r\n" + luals.Header + "\r\n", true},
		{"a user's file", "-- my helpers\nlocal M = {}\nreturn M\n", false},
		{"a user's ---@meta file", "---@meta mylib\n-- mine\n", false},
		{"the header first", luals.Header + "\n---@meta store\n", false},
		{"the header further down", "---@meta store\n\n" + luals.Header + "\n", false},
		{"another generator", "---@meta store\n-- Code generated by stringer. DO NOT EDIT.\n", false},
		{"---@metadata", "---@metadata x\n" + luals.Header + "\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := luals.Generated([]byte(tt.text)); got != tt.want {
			t.Errorf("%s: Generated = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Every file Definitions writes is Generated.
	files, err := luals.Definitions(append(luamod.Docs(), hostModule))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !luals.Generated(f.Data) {
			t.Errorf("%s: not Generated", f.Name)
		}
	}
}

// TestStale: only generated *.lua files directly in the folder, not among
// the files written now, are stale; a user's files are never.
func TestStale(t *testing.T) {
	gen := func(mod string) string { return "---@meta " + mod + "\n" + luals.Header + "\n" }
	dir := t.TempDir()
	for name, text := range map[string]string{
		"store.lua":        gen("store"),        // written now
		"old.lua":          gen("old"),          // an earlier run's
		"zz.old.lua":       gen("zz.old"),       // an earlier run's
		"mine.lua":         "-- my helpers\n",   // the user's
		"notes.txt":        gen("notes"),        // not a definition file
		"sub/deep.lua":     gen("deep"),         // not in the folder itself
		"mine-meta.lua":    "---@meta mine\n\n", // the user's, with ---@meta
		"header-first.lua": luals.Header + "\n", // no ---@meta line
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "old.lua"), filepath.Join(dir, "link.lua")); err != nil {
		t.Fatal(err)
	}
	got, err := luals.Stale(dir, []luals.File{{Name: "store.lua"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "old.lua"), filepath.Join(dir, "zz.old.lua")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stale = %q, want %q", got, want)
	}
	if got, err := luals.Stale(filepath.Join(dir, "missing"), nil); got != nil || err != nil {
		t.Errorf("Stale of a missing folder = %q, %v; want none", got, err)
	}
}
