package registry

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestWippyRegistries loads each registry in testdata/wippy, written the
// way Wippy's docs describe registries, and compares what loaded (entries
// in dependency order with their kind, dependencies, lifecycle and config,
// then the warnings) with the archive's "expected" file. Inputs are the
// *.yaml files; "env" holds the OS environment (NAME=VALUE lines); any
// other file is written to the folder the registry files live in.
func TestWippyRegistries(t *testing.T) { testLoadArchives(t, "wippy") }

// TestFlowStyle loads each registry in testdata/flow, written with flow
// collections ([ ] and { }), as TestWippyRegistries does.
func TestFlowStyle(t *testing.T) { testLoadArchives(t, "flow") }

// testLoadArchives runs the load archives in testdata/<dir>.
func testLoadArchives(t *testing.T, dir string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			env := map[string]string{}
			var srcs []Source
			var expected []byte
			for _, f := range ar.Files {
				switch {
				case f.Name == "expected":
					expected = f.Data
				case f.Name == "env":
					for line := range strings.Lines(string(f.Data)) {
						if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
							env[k] = v
						}
					}
				case isYAMLName(f.Name):
					srcs = append(srcs, Source{Name: f.Name, Data: f.Data, Dir: dir})
				default:
					if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			got := strings.ReplaceAll(dumpLoad(srcs, env), dir, "$DIR")
			if *update {
				ar.Files = append(ar.Files[:0:0], filterOut(ar.Files, "expected")...)
				ar.Files = append(ar.Files, txtar.File{Name: "expected", Data: []byte(got)})
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(expected) {
				t.Errorf("mismatch\ngot:\n%s\nwant:\n%s", got, expected)
			}
		})
	}
}

func filterOut(files []txtar.File, name string) []txtar.File {
	var out []txtar.File
	for _, f := range files {
		if f.Name != name {
			out = append(out, f)
		}
	}
	return out
}

// dumpLoad loads srcs and describes the result as text.
func dumpLoad(srcs []Source, env map[string]string) string {
	reg, err := Load(srcs, Options{Getenv: envFrom(env)})
	var b strings.Builder
	if err != nil {
		var lerr *Error
		if !errors.As(err, &lerr) {
			return "not a *registry.Error: " + err.Error() + "\n"
		}
		return "error:\n" + err.Error() + "\n"
	}
	for _, e := range reg.Order() {
		fmt.Fprintf(&b, "%s %s @%s deps=%v\n", e.ID, e.Kind, e.Pos, e.Deps)
		lc := e.Lifecycle
		fmt.Fprintf(&b, "  lifecycle: auto_start=%v requires=%v stable_threshold=%v startup=%s\n",
			lc.AutoStart, lc.Requires, lc.StableThreshold, lc.Startup)
		if s := lc.Security; s != nil {
			fmt.Fprintf(&b, "  security: actor=%s meta=%v groups=%v policies=%v\n", s.ActorID, s.ActorMeta, s.Groups, s.Policies)
		}
		if e.Meta != nil {
			fmt.Fprintf(&b, "  meta: %v\n", e.Meta)
		}
		if e.Config != nil {
			fmt.Fprintf(&b, "  config: %+v\n", e.Config)
		}
	}
	for _, w := range reg.Warnings() {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}
