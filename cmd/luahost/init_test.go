package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luamod/luals"
)

// projectListing is what init writes, relative to the project folder.
var projectListing = []string{
	".gitignore",
	".luahost/types/errors.lua",
	".luahost/types/security.lua",
	".luahost/types/store.lua",
	".luarc.json",
	"README.md",
	"main.lua",
	"registry.yaml",
}

// listFiles returns the regular files under dir, relative and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInitThenRun starts a project and runs its script at once, twice:
// the SQLite counter keeps its count between runs.
func TestInitThenRun(t *testing.T) {
	dir, reg, r := initChecked(t, 3)
	if !strings.Contains(r.stdout, "next: cd "+dir+" && luahost run -r registry.yaml main.lua") {
		t.Errorf("init stdout does not name the next step:\n%s", r.stdout)
	}
	for run := 1; run <= 2; run++ {
		r := inProcess(t, "", "run", "-r", reg, filepath.Join(dir, "main.lua"), "Ada")
		want := "hello, Ada\n" +
			"Ada visits: " + string(rune('0'+run)) + "\n" +
			"not found: store \"app:kv\": key \"no such key\" not found\n" +
			"visits:Ada\t" + string(rune('0'+run)) + "\n"
		if r.code != 0 || r.stdout != want {
			t.Fatalf("run %d: exit %d, stdout\n%s\nwant\n%s\nstderr %s", run, r.code, r.stdout, want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "app.db")); err != nil {
		t.Errorf("the SQLite file is not next to the registry: %v", err)
	}
	// The editor definitions are the same as luahost types writes.
	defs, err := luals.Definitions(luamod.Docs())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		b, err := os.ReadFile(filepath.Join(dir, ".luahost", "types", d.Name))
		if err != nil || string(b) != string(d.Data) {
			t.Errorf("%s differs from the definitions (%v)", d.Name, err)
		}
	}
	checkLuaRC(t, filepath.Join(dir, ".luarc.json"), nil)
}

// TestInitWithoutSQLite: a luahost built without cgo, which has no
// SQLite, writes a project that runs all the same, app:kv being a memory
// store, and says so; the files say how to keep app:kv in PostgreSQL or
// MySQL instead. (TestBuildWithoutCgo runs init in a real such build.)
func TestInitWithoutSQLite(t *testing.T) {
	was := sqliteAvailable
	sqliteAvailable = func() bool { return false }
	t.Cleanup(func() { sqliteAvailable = was })

	dir, reg, r := initChecked(t, 2)
	const note = "note: this luahost was built without cgo, which SQLite needs, so app:kv is a memory store: " +
		"its data is gone when the process ends (registry.yaml shows how to keep it in PostgreSQL or MySQL)\n" +
		"next: cd "
	if !strings.Contains(r.stdout, note) {
		t.Errorf("init stdout does not say app:kv is in memory:\n%s", r.stdout)
	}
	for _, e := range []string{"app:cache", "app:kv"} {
		r := inProcess(t, "", "run", "-r", reg, "-e", `print(store.get("`+e+`"):info().kind)`)
		if r.code != 0 || r.stdout != "store.memory\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %s; want a memory store", e, r.code, r.stdout, r.stderr)
		}
	}
	want := "hello, Ada\nAda visits: 1\nnot found: store \"app:kv\": key \"no such key\" not found\nvisits:Ada\t1\n"
	if r := inProcess(t, "", "run", "-r", reg, filepath.Join(dir, "main.lua"), "Ada"); r.code != 0 || r.stdout != want {
		t.Fatalf("run: exit %d, stdout\n%s\nwant\n%s\nstderr %s", r.code, r.stdout, want, r.stderr)
	}
	for name, words := range map[string][]string{
		"registry.yaml": {"built without cgo", "kind: db.sql.postgres"},
		"README.md":     {"built without cgo"},
		"main.lua":      {"in memory here"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "sqlite") || strings.Contains(string(b), "app.db") {
			t.Errorf("%s names SQLite, which this build cannot run:\n%s", name, b)
		}
		for _, w := range words {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s does not say %q:\n%s", name, w, b)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "app.db")); !os.IsNotExist(err) {
		t.Errorf("the run made app.db (stat: %v)", err)
	}
}

// TestInitRefusesToOverwrite checks init writes nothing when any file it
// would write exists, and names every such file.
func TestInitRefusesToOverwrite(t *testing.T) {
	tests := []struct {
		name  string
		exist []string
	}{
		{"script", []string{"main.lua"}},
		{"several", []string{"README.md", ".luarc.json", "registry.yaml"}},
		{"definitions", []string{".luahost/types/store.lua"}},
		{"a file where a folder goes", []string{".luahost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range tt.exist {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := inProcess(t, "", "init", dir)
			if r.code != 1 || !strings.Contains(r.stderr, "does not overwrite (nothing written)") {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, name := range tt.exist {
				if !strings.Contains(r.stderr, name) {
					t.Errorf("stderr does not name %s: %q", name, r.stderr)
				}
				if b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name))); string(b) != "mine" {
					t.Errorf("%s was changed", name)
				}
			}
			if got := listFiles(t, dir); len(got) != len(tt.exist) {
				t.Errorf("files after a refused init: %q", got)
			}
		})
	}
}

// TestInitIntoAFile checks init names a DIR that is a file as such.
func TestInitIntoAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := inProcess(t, "", "init", file)
	if r.code != 1 || !strings.Contains(r.stderr, file+" is a file, not a folder (nothing written)") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Errorf("%s was changed", file)
	}
}

// checkLuaRC checks path is JSON with the settings types writes, plus
// the keys of extra.
func checkLuaRC(t *testing.T, path string, extra map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rc map[string]any
	if err := json.Unmarshal(b, &rc); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", path, err, b)
	}
	want := map[string]any{
		"runtime.version":     "Lua 5.1",
		"diagnostics.globals": []any{"errors", "store"},
		"workspace.library":   []any{".luahost/types"},
	}
	for k, v := range extra {
		want[k] = v
	}
	for k, v := range want {
		if !reflect.DeepEqual(rc[k], v) {
			t.Errorf("%s: %s = %v, want %v", path, k, rc[k], v)
		}
	}
}

func TestTypes(t *testing.T) {
	defs := []string{".luahost/types/errors.lua", ".luahost/types/security.lua", ".luahost/types/store.lua"}
	tests := []struct {
		name      string
		luarc     string // an existing .luarc.json
		wantCode  int
		stderrHas string
		extra     map[string]any // further keys the .luarc.json keeps
	}{
		{name: "fresh folder"},
		{name: "merges .luarc.json", luarc: `{"hint.enable": true, "diagnostics.globals": ["ngx"]}`,
			extra: map[string]any{"hint.enable": true, "diagnostics.globals": []any{"ngx", "errors", "store"}}},
		{name: "again over its own output", luarc: string(luals.LuaRC(".luahost/types", luamod.Docs()))},
		{name: ".luarc.json with comments", luarc: "{\n  // mine\n}", wantCode: 1, stderrHas: ".luarc.json: not plain JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "p")
			if tt.luarc != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, ".luarc.json"), []byte(tt.luarc), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := inProcess(t, "", "types", dir)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.stderrHas) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.wantCode, tt.stderrHas)
			}
			if tt.wantCode != 0 {
				if got := listFiles(t, dir); !reflect.DeepEqual(got, []string{".luarc.json"}) {
					t.Errorf("files after a failed types: %q", got)
				}
				return
			}
			want := append(append([]string(nil), defs...), ".luarc.json")
			if got := listFiles(t, dir); !reflect.DeepEqual(got, want) {
				t.Errorf("files %q, want %q", got, want)
			}
			for _, name := range want {
				if !strings.Contains(r.stdout, "wrote "+filepath.Join(dir, filepath.FromSlash(name))+"\n") {
					t.Errorf("stdout does not name %s:\n%s", name, r.stdout)
				}
			}
			checkLuaRC(t, filepath.Join(dir, ".luarc.json"), tt.extra)
		})
	}
}

// tree returns everything under root: each path, relative and
// slash-separated, with "dir" for a folder or the file's content.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInitFailureLeavesNoTrace: when writing fails after some files and
// folders were written, what init wrote is removed, folders included,
// and nothing else: the tree is as before. The failures are a path that
// an earlier file made a folder, and a file where a later file needs a
// folder (neither depends on permissions, which root ignores).
func TestInitFailureLeavesNoTrace(t *testing.T) {
	tests := []struct {
		name    string
		dir     string            // relative to the root; "" is the root
		before  map[string]string // files and folders ("dir") there before
		files   []string          // to write, in order
		wantErr string
	}{
		{name: "a folder where a later file goes", dir: "new/project",
			files:   []string{"one.txt", "a/b/two.txt", "a/b"},
			wantErr: "file exists (nothing written)"},
		{name: "a file where a later folder goes", dir: "new",
			files:   []string{"a/one.txt", "a/one.txt/two.txt"},
			wantErr: "not a directory (nothing written)"},
		{name: "folders of the user stay", dir: "mine",
			before:  map[string]string{"mine": "dir", "mine/a": "dir", "mine/a/notes.txt": "my notes", "mine/empty": "dir"},
			files:   []string{"a/x/one.txt", "empty/two.txt", "top.txt", "a/x"},
			wantErr: "file exists (nothing written)"},
		{name: "into the root itself",
			files:   []string{".luahost/types/store.lua", ".luahost"},
			wantErr: "file exists (nothing written)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, name := range slices.Sorted(maps.Keys(tt.before)) {
				p := filepath.Join(root, filepath.FromSlash(name))
				var err error
				if tt.before[name] == "dir" {
					err = os.Mkdir(p, 0o755)
				} else {
					err = os.WriteFile(p, []byte(tt.before[name]), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			want := tree(t, root)
			var files []luals.File
			for _, name := range tt.files {
				files = append(files, luals.File{Name: name, Data: []byte("init's " + name)})
			}
			written, err := writeFiles(filepath.Join(root, tt.dir), files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if written != nil {
				t.Errorf("on failure writeFiles says it wrote %q", written)
			}
			if got := tree(t, root); !reflect.DeepEqual(got, want) {
				t.Errorf("after the failure the tree is\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestTypesRemovesStale: types removes the definition files an earlier
// run wrote that it no longer writes, says so, and leaves a user's own
// files in the folder alone.
func TestTypesRemovesStale(t *testing.T) {
	stale := "---@meta oldmod\n" + luals.Header + "\n\n---@class oldmodlib\n"
	tests := []struct {
		name        string
		before      map[string]string // in .luahost/types
		wantRemoved []string
		wantKept    []string
	}{
		{name: "a stale generated file", before: map[string]string{"oldmod.lua": stale},
			wantRemoved: []string{"oldmod.lua"}},
		{name: "a user's file", before: map[string]string{"helpers.lua": "---@meta helpers\n-- mine\n"},
			wantKept: []string{"helpers.lua"}},
		{name: "both, and an outdated store.lua", before: map[string]string{
			"oldmod.lua": stale, "helpers.lua": "-- mine\n", "store.lua": "---@meta store\n" + luals.Header + "\n-- old\n"},
			wantRemoved: []string{"oldmod.lua"}, wantKept: []string{"helpers.lua"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			types := filepath.Join(dir, ".luahost", "types")
			if err := os.MkdirAll(types, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range tt.before {
				if err := os.WriteFile(filepath.Join(types, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := inProcess(t, "", "types", dir)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
			}
			for _, name := range tt.wantRemoved {
				p := filepath.Join(types, name)
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("%s is still there (%v)", name, err)
				}
				if !strings.Contains(r.stdout, "removed "+p+" (definitions luahost no longer has)\n") {
					t.Errorf("stdout does not say %s was removed:\n%s", name, r.stdout)
				}
			}
			for _, name := range tt.wantKept {
				p := filepath.Join(types, name)
				if b, err := os.ReadFile(p); err != nil || string(b) != tt.before[name] {
					t.Errorf("%s was changed or removed: %q, %v", name, b, err)
				}
				if strings.Contains(r.stdout, p) {
					t.Errorf("stdout names the user's %s:\n%s", name, r.stdout)
				}
			}
			want := append(append([]string(nil), tt.wantKept...), "errors.lua", "security.lua", "store.lua")
			slices.Sort(want)
			if got := listFiles(t, types); !slices.Equal(got, want) {
				t.Errorf("%s holds %q, want %q", types, got, want)
			}
			if n := strings.Count(r.stdout, "removed "); n != len(tt.wantRemoved) {
				t.Errorf("stdout says %d removed, want %d:\n%s", n, len(tt.wantRemoved), r.stdout)
			}
		})
	}
}

// TestBuiltinRegistryHint checks the one-line hint a command prints when
// it uses the built-in registry in a folder holding registry.yaml (a
// project made by init, run without -r), and that it is quiet otherwise.
func TestBuiltinRegistryHint(t *testing.T) {
	const hint = "luahost: using the built-in registry; pass -r registry.yaml to use ./registry.yaml\n"
	project := t.TempDir()
	if r := inProcess(t, "", "init", project); r.code != 0 {
		t.Fatalf("init: exit %d, stderr %s", r.code, r.stderr)
	}
	empty := t.TempDir()
	tests := []struct {
		name       string
		dir        string
		env        string // LUAHOST_REGISTRY
		args       []string
		wantStderr string
	}{
		{"project folder without -r", project, "", []string{"run", "-e", "print(1)"}, hint},
		{"check in a project folder without -r", project, "", []string{"check"}, hint},
		{"project folder with -r", project, "", []string{"-r", "registry.yaml", "run", "-e", "print(1)"}, ""},
		{"project folder with LUAHOST_REGISTRY", project, "registry.yaml", []string{"run", "-e", "print(1)"}, ""},
		{"folder without registry.yaml", empty, "", []string{"run", "-e", "print(1)"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary, tt.args...)
			cmd.Dir = tt.dir
			cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY="+tt.env)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr.String())
			}
			if got := stderr.String(); got != tt.wantStderr {
				t.Errorf("stderr %q, want %q", got, tt.wantStderr)
			}
		})
	}
}

// TestInitGitignore checks the generated .gitignore leaves out the
// project's SQLite file and the one the built-in registry writes when a
// command runs there without -r.
func TestInitGitignore(t *testing.T) {
	dir := t.TempDir()
	if r := inProcess(t, "", "init", dir); r.code != 0 {
		t.Fatalf("init: exit %d, stderr %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for _, want := range []string{"app.db", "app.db-*", "luahost.db", "luahost.db-*"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".gitignore lacks the line %q:\n%s", want, b)
		}
	}
}

// initChecked runs init into a new folder, checks that it wrote the
// project's files and that check passes with entries entries, and returns
// the folder, its registry and init's result.
func initChecked(t *testing.T, entries int) (dir, reg string, r result) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "myapp") // a folder init creates
	if r = inProcess(t, "", "init", dir); r.code != 0 {
		t.Fatalf("init: exit %d, stderr %s", r.code, r.stderr)
	}
	if got := listFiles(t, dir); !reflect.DeepEqual(got, projectListing) {
		t.Fatalf("init wrote %q, want %q", got, projectListing)
	}
	reg = filepath.Join(dir, "registry.yaml")
	want := fmt.Sprintf("registry ok: %d entries\n", entries)
	if c := inProcess(t, "", "check", "-r", reg); c.code != 0 || c.stdout != want {
		t.Fatalf("check: exit %d, stdout %q, stderr %s", c.code, c.stdout, c.stderr)
	}
	return dir, reg, r
}
