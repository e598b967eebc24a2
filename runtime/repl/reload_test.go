package repl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

// TestReloadCommand: .reload applies a changed registry file while a
// handle taken before keeps working (the memory store is unchanged, so it
// keeps its contents), and a broken file changes nothing.
func TestReloadCommand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "reg.yaml")
	const before = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: extra, kind: store.memory}\n"
	const after = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: other, kind: store.memory}\n"
	if err := os.WriteFile(file, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistry(file))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	write := func(text string) string {
		return fmt.Sprintf("f = io.open(%q, 'w'); f:write(%q); f:close()\n", file, text)
	}
	input := `c = store.get("app:cache")
c:set("k", "v")
.reload
` + write(after) + `.reload
print(c:get("k"))
` + write("entries: [") + `.reload
print(c:get("k"))
`
	var stdout, stderr bytes.Buffer
	err = repl.Run(ctx, rt, repl.Options{In: strings.NewReader(input), Out: &stdout, Err: &stderr})
	if !errors.Is(err, repl.ErrFailed) {
		t.Errorf("Run: %v, want ErrFailed for the broken reload", err)
	}
	wantOut := "true\nreloaded: kept 2\nreloaded: kept 1, stopped 1 (app:extra), added 1 (app:other)\nv\nv\n"
	if got := stdout.String(); got != wantOut {
		t.Errorf("stdout\n%s\nwant\n%s", got, wantOut)
	}
	wantErr := "reload: nothing changed:\n" + file + ":1:"
	if got := stderr.String(); !strings.HasPrefix(got, wantErr) {
		t.Errorf("stderr %q, want it to start %q", got, wantErr)
	}
	if _, ok := rt.Registry().Entry("app:other"); !ok {
		t.Error("the broken file replaced the reloaded registry")
	}
}
