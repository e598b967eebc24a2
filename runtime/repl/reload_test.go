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
	const before = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: extra, kind: store.memory}\n"
	const after = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: other, kind: store.memory}\n"
	file, rt := runtimeOnFile(t, before)
	ctx := context.Background()
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
	err := repl.Run(ctx, rt, repl.Options{In: strings.NewReader(input), Out: &stdout, Err: &stderr})
	if !errors.Is(err, repl.ErrFailed) {
		t.Errorf("Run: %v, want ErrFailed for the broken reload", err)
	}
	wantOut := "true\nreloaded: kept 2\nreloaded: kept 1, stopped 1 (app:extra), added 1 (app:other)\nv\nv\n"
	if got := stdout.String(); got != wantOut {
		t.Errorf("stdout\n%s\nwant\n%s", got, wantOut)
	}
	wantErr := "reload: invalid registry, 1 problem:\n  " + file + ":1:"
	if got := stderr.String(); !strings.HasPrefix(got, wantErr) {
		t.Errorf("stderr %q, want it to start %q", got, wantErr)
	}
	if _, ok := rt.Registry().Entry("app:other"); !ok {
		t.Error("the broken file replaced the reloaded registry")
	}
}

// TestReloadBrokenRegistry: a .reload of a registry that cannot be used
// reports it as luahost does at start-up (the Message of runtime.New's
// error: "invalid registry", each problem's file:line:col and hint), and
// changes nothing:
// the entries keep running with their contents and handles, and a later
// .reload of a fixed file applies.
func TestReloadBrokenRegistry(t *testing.T) {
	const before = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: extra, kind: store.memory}\n"
	const fixed = "namespace: app\nentries:\n  - {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n  - {name: other, kind: store.memory}\n"
	tests := []struct {
		name   string
		broken string // "" removes the file
		want   []string
	}{
		{"syntax", "entries: [", []string{"invalid registry, 1 problem:\n  ", "reg.yaml:1:"}},
		{"typo with hint", "namespace: app\nentries:\n  - {name: cache, kind: store.memory, max_sise: 10}\n",
			[]string{"invalid registry, 1 problem:\n  ", `reg.yaml:3:39: app:cache: unknown field "max_sise" (did you mean "max_size"?)`}},
		{"two problems", "namespace: app\nentries:\n  - {name: cache, kind: store.memroy}\n  - {name: cache, kind: store.memory}\n",
			[]string{"invalid registry, 2 problems:\n  ", `reg.yaml:3:25: app:cache: kind: unknown kind "store.memroy" (did you mean "store.memory"?)`,
				"reg.yaml:4:5: app:cache: duplicate ID"}},
		{"missing file", "", []string{"invalid registry: read registry: ", "reg.yaml: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, rt := runtimeOnFile(t, before)
			ctx := context.Background()
			breakIt := fmt.Sprintf("local _ = os.remove(%q)\n", file)
			if tt.broken != "" {
				breakIt = fmt.Sprintf("f = io.open(%q, 'w'); f:write(%q); f:close()\n", file, tt.broken)
			}
			input := `c = store.get("app:cache")
c:set("k", "v")
` + breakIt + `.reload
print(c:get("k"), store.get("app:extra") ~= nil)
`
			var stdout, stderr bytes.Buffer
			err := repl.Run(ctx, rt, repl.Options{In: strings.NewReader(input), Out: &stdout, Err: &stderr})
			if !errors.Is(err, repl.ErrFailed) {
				t.Errorf("Run: %v, want ErrFailed for the broken reload", err)
			}
			if got, want := stdout.String(), "true\nv\ttrue\n"; got != want {
				t.Errorf("stdout %q, want %q: the old registry must keep running", got, want)
			}
			// The same text as at start-up.
			_, startErr := runtime.New(ctx, runtime.WithRegistry(file))
			var re *runtime.RegistryError
			if !errors.As(startErr, &re) {
				t.Fatalf("New on the broken file: %v, want a *runtime.RegistryError", startErr)
			}
			wantErr := "reload: " + re.Message() + "\nreload: nothing changed; the registry in use stays\n"
			if got := stderr.String(); got != wantErr {
				t.Errorf("stderr\n%s\nwant\n%s", got, wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not say %q", stderr.String(), w)
				}
			}
			for _, st := range rt.States() {
				if st.Entry.ID == "app:cache" && st.State.Phase != runtime.Running {
					t.Errorf("app:cache is %s after the failed reload, want running", st.State)
				}
			}
			if _, ok := rt.Registry().Entry("app:extra"); !ok {
				t.Error("the failed reload removed app:extra")
			}

			// Fixed, the same sources reload.
			if err := os.WriteFile(file, []byte(fixed), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout.Reset()
			stderr.Reset()
			err = repl.Run(ctx, rt, repl.Options{In: strings.NewReader(".reload\nprint(c ~= nil)\n"), Out: &stdout, Err: &stderr})
			if err != nil {
				t.Fatalf("Run after the fix: %v (stderr %s)", err, stderr.String())
			}
			if got, want := stdout.String(), "reloaded: kept 1, stopped 1 (app:extra), added 1 (app:other)\nfalse\n"; got != want {
				t.Errorf("after the fix, stdout %q, want %q", got, want)
			}
		})
	}
}

// runtimeOnFile writes text to a registry file of the test's own and
// returns the file and a runtime on it, closed when the test ends.
func runtimeOnFile(t *testing.T, text string) (string, *runtime.Runtime) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "reg.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(context.Background(), runtime.WithRegistry(file))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return file, rt
}
