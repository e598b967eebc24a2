package security_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/security"
)

// TestLoad loads each testdata/load/*.txtar registry and compares the
// policies it gives, or its problems, with the expected section.
func TestLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/load/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var src []registry.Source
			var want string
			for _, f := range ar.Files {
				if f.Name == "expected" {
					want = string(f.Data)
					continue
				}
				src = append(src, registry.Source{Name: f.Name, Data: f.Data})
			}
			got := load(src)
			if strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
				if os.Getenv("UPDATE_GOLDEN") != "" {
					for i := range ar.Files {
						if ar.Files[i].Name == "expected" {
							ar.Files[i].Data = []byte(got)
						}
					}
					_ = os.WriteFile(file, txtar.Format(ar), 0o644)
				}
			}
		})
	}
}

func load(src []registry.Source) string {
	reg, err := registry.Load(src, registry.Options{})
	if err != nil {
		var re *registry.Error
		if errors.As(err, &re) {
			return re.Error() + "\n"
		}
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	for _, e := range reg.Entries() {
		p, ok := e.Config.(*security.Policy)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%s %s actions=%v resources=%v groups=%v conditions=%d dynamic=%v\n",
			p.ID, p.Effect, p.Actions, p.Resources, p.Groups, len(p.Conditions), p.Dynamic())
	}
	return b.String()
}
