package repl_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/repl"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/quiet")

func newRuntime(t *testing.T) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("test.yaml", testRegistry))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return rt
}

// status is how a quiet run ended, as written in a golden file.
func status(err error) string {
	var exit *runtime.ExitError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, repl.ErrFailed):
		return "failed: " + err.Error()
	case errors.As(err, &exit):
		return fmt.Sprintf("exit %d", exit.Code)
	}
	return "error: " + err.Error()
}

// TestQuiet feeds each testdata/quiet/*.txtar file's "input" to a
// non-interactive REPL and compares what it writes with the "stdout",
// "stderr" and "status" files of the archive (-update rewrites them).
func TestQuiet(t *testing.T) {
	files, err := filepath.Glob("testdata/quiet/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, f := range ar.Files {
				want[f.Name] = string(f.Data)
			}
			input, ok := want["input"]
			if !ok {
				t.Fatal("no input file in the archive")
			}
			var stdout, stderr bytes.Buffer
			err = repl.Run(context.Background(), newRuntime(t), repl.Options{
				In:  strings.NewReader(input),
				Out: &stdout,
				Err: &stderr,
			})
			got := map[string]string{
				"stdout": stdout.String(),
				"stderr": stderr.String(),
				"status": status(err) + "\n",
			}
			if *update {
				ar.Files = []txtar.File{{Name: "input", Data: []byte(input)}}
				for _, name := range []string{"stdout", "stderr", "status"} {
					ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, name := range []string{"stdout", "stderr", "status"} {
				if got[name] != want[name] {
					t.Errorf("%s:\n--- got ---\n%s--- want ---\n%s", name, got[name], want[name])
				}
			}
		})
	}
}

func TestQuietStatementTimeout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := repl.Run(context.Background(), newRuntime(t), repl.Options{
		In:      strings.NewReader("while true do end\nprint('next')\n"),
		Out:     &stdout,
		Err:     &stderr,
		Timeout: 20 * time.Millisecond,
	})
	if !errors.Is(err, repl.ErrFailed) {
		t.Errorf("Run: %v, want ErrFailed", err)
	}
	if got, want := stderr.String(), "statement timed out after 20ms\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if got, want := stdout.String(), "next\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

func TestQuietStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	err := repl.Run(ctx, newRuntime(t), repl.Options{
		In:  strings.NewReader("print('not run')\nprint('nor this')\n"),
		Out: &stdout,
		Err: &stderr,
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v, want context.Canceled", err)
	}
	if stdout.Len()+stderr.Len() != 0 {
		t.Errorf("output after the context ended: %q %q", stdout.String(), stderr.String())
	}
}

// TestQuietErrorObjectsAreBounded runs statements whose error objects and
// results loop in __tostring: each stops at the statement's limit and the
// REPL goes on.
func TestQuietErrorObjectsAreBounded(t *testing.T) {
	input := `loop = {__tostring = function() while true do end end}
error(setmetatable({}, loop))
setmetatable({}, loop)
{setmetatable({}, loop)}
error({inner = setmetatable({}, loop)})
print('next')
`
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- repl.Run(context.Background(), newRuntime(t), repl.Options{
			In: strings.NewReader(input), Out: &stdout, Err: &stderr, Timeout: 50 * time.Millisecond,
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, repl.ErrFailed) {
			t.Errorf("Run: %v, want ErrFailed", err)
		}
	case <-time.After(30 * time.Second): // a liveness bound, not a timing
		t.Fatal("the REPL outlived its statements' limits")
	}
	wantOut := "<table: __tostring failed: stdin:1: context deadline exceeded>\n" +
		"{<table: __tostring failed: stdin:1: context deadline exceeded>}\n" +
		"next\n"
	if got := stdout.String(); got != wantOut {
		t.Errorf("stdout %q, want %q", got, wantOut)
	}
	wantErr := "statement timed out after 50ms\n" +
		"error object: {inner = <table: __tostring failed: stdin:1: context deadline exceeded>}\n"
	if got := stderr.String(); got != wantErr {
		t.Errorf("stderr %q, want %q", got, wantErr)
	}
}

// TestEntriesTableListsErrorsBelow checks that .entries keeps one line
// per entry, its state without the error, and lists each start error
// below the table as written, a dependent's in one line naming the
// dependency.
func TestEntriesTableListsErrorsBelow(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("test.yaml", `namespace: app
entries:
  - name: broken
    kind: test.broken
    lifecycle: {auto_start: true, startup: optional}
  - name: kv
    kind: test.kv
  - name: user
    kind: test.kv
    lifecycle: {auto_start: true, startup: optional, requires: [broken]}
`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	var stdout, stderr bytes.Buffer
	err = repl.Run(context.Background(), rt, repl.Options{
		In:  strings.NewReader(".entries\n"),
		Out: &stdout,
		Err: &stderr,
	})
	if err != nil {
		t.Fatalf("Run: %v\nstderr: %s", err, stderr.String())
	}
	want := `ID          KIND         STATE               DEFINED AT
app:broken  test.broken  failed (attempt 1)  test.yaml:3:5
app:kv      test.kv      stopped             test.yaml:6:5
app:user    test.kv      failed (attempt 1)  test.yaml:8:5

app:broken failed (attempt 1):
  cannot connect:
  first try refused
  second try refused: permanent failure

app:user failed (attempt 1):
  dependency app:broken: failed (attempt 1)
`
	if got := stdout.String(); got != want {
		t.Errorf(".entries printed\n%s\nwant\n%s", got, want)
	}
}
