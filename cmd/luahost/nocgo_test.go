package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildWithoutCgo builds luahost with CGO_ENABLED=0, as cross builds
// are, and runs it: the built-in registry holds app:cache alone and says
// why app:kv is missing, `check` reports an SQLite entry at its kind, and
// `init` writes a project that runs (app:kv in memory) and says so.
//
// The build takes seconds once `CGO_ENABLED=0 go vet ./...` has filled
// the build cache (CI runs it first), minutes on a cold cache; -short
// skips it.
func TestBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds luahost without cgo")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "luahost-nocgo")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	reg := "namespace: app\nentries:\n  - name: kv\n    kind: store.sql\n    database: db\n    table_name: kv\n" +
		"  - name: db\n    kind: db.sql.sqlite\n    file: app.db\n"
	if err := os.WriteFile(filepath.Join(dir, "reg.yaml"), []byte(reg), 0o644); err != nil {
		t.Fatal(err)
	}
	const script = `local c = assert(store.get("app:cache"))
assert(c:set("k", "v"))
print(c:get("k"))
print(select(2, store.get("app:kv")))`
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"built-in registry checks", []string{"check"}, 0, "registry ok: 1 entries\n", ""},
		{"built-in registry runs app:cache, explains app:kv", []string{"run", "-e", script}, 0,
			"v\nNOT_FOUND: no entry \"app:kv\" in the registry: the built-in registry has app:kv only when luahost is built with cgo, " +
				"which SQLite needs; this binary was built without (CGO_ENABLED=0)\n", ""},
		{"init writes a project whose app:kv is in memory", []string{"init", "proj"}, 0, "", ""},
		{"that project checks", []string{"-r", "proj/registry.yaml", "check"}, 0, "registry ok: 2 entries\n", ""},
		{"and runs", []string{"run", "-r", "proj/registry.yaml", "proj/main.lua", "Ada"}, 0,
			"hello, Ada\nAda visits: 1\nnot found: store \"app:kv\": key \"no such key\" not found\nvisits:Ada\t1\n", ""},
		{"sqlite entry is a problem at its kind", []string{"-r", "reg.yaml", "check"}, 2, "",
			"luahost: invalid registry, 1 problem:\n  reg.yaml:8:11: app:db: kind: db.sql.sqlite is not available: " +
				"this luahost was built without cgo (CGO_ENABLED=0), and the SQLite driver needs it; " +
				"build with CGO_ENABLED=1 and a C compiler, or use db.sql.postgres or db.sql.mysql\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, tt.args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "LUAHOST_REGISTRY=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := 0
			if err := cmd.Run(); err != nil {
				ee, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatal(err)
				}
				code = ee.ExitCode()
			}
			if tt.args[0] == "init" { // the files it wrote, then the note
				const note = "note: this luahost was built without cgo, which SQLite needs, so app:kv is a memory store"
				if !strings.Contains(stdout.String(), note) {
					t.Errorf("init does not say app:kv is in memory:\n%s", stdout.String())
				}
				stdout.Reset()
			}
			if code != tt.code || stdout.String() != tt.stdout || stderr.String() != tt.stderr {
				t.Errorf("exit %d, want %d\nstdout %q\n  want %q\nstderr %q\n  want %q",
					code, tt.code, stdout.String(), tt.stdout, stderr.String(), tt.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "luahost.db")); !os.IsNotExist(err) {
		t.Errorf("the built-in registry without SQLite created luahost.db (stat: %v)", err)
	}
}
