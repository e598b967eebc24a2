package runtime

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata")

// globalsListing lists every global of L and every field of each library
// table among them, one "name type" line each, sorted.
func globalsListing(L *lua.LState) string {
	var lines []string
	L.G.Global.ForEach(func(k, v lua.LValue) {
		name := k.String()
		lines = append(lines, name+" "+v.Type().String())
		t, ok := v.(*lua.LTable)
		if !ok || name == "_G" {
			return
		}
		t.ForEach(func(fk, fv lua.LValue) {
			lines = append(lines, fmt.Sprintf("%s.%s %s", name, fk, fv.Type()))
		})
	})
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

// TestGlobals compares everything a script can reach by name, in a normal
// and in a sandboxed state, with the lists in testdata (-update rewrites
// them); the sandbox's list is the one the README documents.
func TestGlobals(t *testing.T) {
	tests := []struct {
		golden string
		opts   []Option
	}{
		{"globals.golden", nil},
		{"globals_sandbox.golden", []Option{WithSandbox()}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			opts := append([]Option{WithRegistryString("empty.yaml", "namespace: app\nentries: []\n")}, tt.opts...)
			rt, err := New(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(context.Background())
			var got string
			if err := rt.Do(context.Background(), func(L *lua.LState) error {
				// A run's global table fills with every host global the
				// first time it is traversed.
				if err := L.DoString("next(_G)"); err != nil {
					return err
				}
				got = globalsListing(L)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.golden)
			if *updateGolden {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("globals differ from %s:\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}
