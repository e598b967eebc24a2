package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
)

// stdoutScript writes with print and each way of writing to io.stdout.
const stdoutScript = `
print("print", 1, 0.1 + 0.2)
assert(io.write("write ", 2^53, " ", 1e100, " ", -1/0, "\n") == true)
assert(io.stdout:write("stdout ", 7, "\n") == true)
assert(io.output():write("output\n") == true)
assert(io.stdout:flush() == true and io.flush() == true)
print(io.type(io.stdout), tostring(io.stdout), io.output() == io.stdout)
`

// stdoutWant is what stdoutScript writes.
const stdoutWant = "print\t1\t0.3\n" +
	"write 9.007199254741e+15 1e+100 -inf\n" +
	"stdout 7\n" +
	"output\n" +
	"file\tfile\ttrue\n"

// TestStdoutRunPaths checks that every way of running a script sends all
// of its standard output (print, io.write, io.stdout, io.output()) to the
// writer the host gave, and nothing to another.
func TestStdoutRunPaths(t *testing.T) {
	ctx := context.Background()
	p := mustCompile(t, "stdout.lua", stdoutScript)
	script := func() runtime.Script {
		return runtime.Script{Name: "stdout.lua", Source: strings.NewReader(stdoutScript)}
	}
	session := func(rt *runtime.Runtime, w *strings.Builder) error {
		s, err := rt.NewSession()
		if err != nil {
			return err
		}
		defer s.Close()
		if w != nil {
			s.SetStdout(w)
		}
		_, err = s.Call(ctx, p.Function(s.L()))
		return err
	}
	tests := []struct {
		name     string
		defaults bool // the runtime has WithRunDefaults(WithStdout(def))
		// run runs stdoutScript, writing to w or to the default.
		run func(rt *runtime.Runtime, w *strings.Builder) error
	}{
		{"Run with Script.Stdout", false, func(rt *runtime.Runtime, w *strings.Builder) error {
			s := script()
			s.Stdout = w
			_, err := rt.Run(ctx, s)
			return err
		}},
		{"Run with WithStdout", false, func(rt *runtime.Runtime, w *strings.Builder) error {
			_, err := rt.Run(ctx, script(), runtime.WithStdout(w))
			return err
		}},
		{"Run with the default", true, func(rt *runtime.Runtime, _ *strings.Builder) error {
			_, err := rt.Run(ctx, script())
			return err
		}},
		{"RunString", false, func(rt *runtime.Runtime, w *strings.Builder) error {
			_, err := rt.RunString(ctx, stdoutScript, runtime.WithStdout(w))
			return err
		}},
		{"RunString with the default", true, func(rt *runtime.Runtime, _ *strings.Builder) error {
			_, err := rt.RunString(ctx, stdoutScript)
			return err
		}},
		{"Call", false, func(rt *runtime.Runtime, w *strings.Builder) error {
			_, err := rt.Call(ctx, p, nil, runtime.WithStdout(w))
			return err
		}},
		{"Call over the default", true, func(rt *runtime.Runtime, w *strings.Builder) error {
			_, err := rt.Call(ctx, p, nil, runtime.WithStdout(w))
			return err
		}},
		{"Do", false, func(rt *runtime.Runtime, w *strings.Builder) error {
			return rt.Do(ctx, func(L *lua.LState) error { return L.DoString(stdoutScript) }, runtime.WithStdout(w))
		}},
		{"Session with the default", true, func(rt *runtime.Runtime, _ *strings.Builder) error {
			return session(rt, nil)
		}},
		{"Session with SetStdout", false, session},
		{"Session with SetStdout over the default", true, session},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var def, w strings.Builder
			var opts []runtime.Option
			if tt.defaults {
				opts = append(opts, runtime.WithRunDefaults(runtime.WithStdout(&def)))
			}
			rt := newRuntime(t, memRegistry, opts...)
			if err := tt.run(rt, &w); err != nil {
				t.Fatal(err)
			}
			got, other := &w, &def
			if tt.defaults && w.Len() == 0 {
				got, other = &def, &w
			}
			if got.String() != stdoutWant {
				t.Errorf("output\n%q\nwant\n%q", got.String(), stdoutWant)
			}
			if other.Len() != 0 {
				t.Errorf("the other writer got %q", other.String())
			}
		})
	}
}

// TestStdoutScriptWinsOverOption checks that Script.Stdout wins over
// WithStdout for Run.
func TestStdoutScriptWinsOverOption(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	var s, o strings.Builder
	_, err := rt.Run(context.Background(), runtime.Script{Name: "s.lua", Source: strings.NewReader(`io.write("w") print("p")`), Stdout: &s}, runtime.WithStdout(&o))
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "wp\n" || o.Len() != 0 {
		t.Errorf("Script.Stdout got %q, WithStdout's writer %q; want %q and nothing", s.String(), o.String(), "wp\n")
	}
}

// TestStdoutPooledRunsKeepTheirWriters runs a program concurrently on the
// pool, each run with a writer of its own, and checks that each writer
// holds exactly its runs' output, in order (run it with -race).
func TestStdoutPooledRunsKeepTheirWriters(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	p := mustCompile(t, "tag.lua", `
local tag = ...
for i = 1, 3 do
  io.write(tag, ":", i, " ")
  print(tag)
  io.stdout:write(tag, "\n")
end`)
	const workers, runs = 8, 25
	var one strings.Builder
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&one, "%%[1]s:%d %%[1]s\n%%[1]s\n", i)
	}
	var wg sync.WaitGroup
	outs := make([]strings.Builder, workers)
	errs := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			tag := fmt.Sprintf("w%d", g)
			for range runs {
				if _, err := rt.Call(context.Background(), p, []any{tag}, runtime.WithStdout(&outs[g])); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for g := range outs {
		want := strings.Repeat(fmt.Sprintf(one.String(), fmt.Sprintf("w%d", g)), runs)
		if got := outs[g].String(); got != want {
			t.Errorf("worker %d's writer holds\n%.200q...\nwant\n%.200q...", g, got, want)
		}
	}
}

// TestStdoutNextRunWithoutWriter checks that a pooled run without a
// writer writes to the process's standard output, not to the writer of
// the run before it on the same state, and that a run that moved
// io.output elsewhere leaves the next run's io.write at its own writer.
// It replaces os.Stdout, so it must not run in parallel.
func TestStdoutNextRunWithoutWriter(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	ctx := context.Background()
	procOut, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer procOut.Close()
	saved := os.Stdout
	os.Stdout = procOut
	defer func() { os.Stdout = saved }()

	moved := filepath.Join(t.TempDir(), "moved.txt")
	var a, c strings.Builder
	steps := []struct {
		code string
		w    *strings.Builder // nil: none
	}{
		{`io.write("a1 ") print("a2")`, &a},
		{`io.write("none1 ") print("none2")`, nil},
		{`io.output("` + moved + `") io.write("moved")`, &a},
		{`io.write("c1 ") io.stdout:write("c2")`, &c},
	}
	for i, s := range steps {
		var opts []runtime.RunOption
		if s.w != nil {
			opts = append(opts, runtime.WithStdout(s.w))
		}
		if _, err := rt.RunString(ctx, s.code, opts...); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	os.Stdout = saved
	got, err := os.ReadFile(procOut.Name())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"first writer", a.String(), "a1 a2\n"},
		{"process stdout", string(got), "none1 none2\n"},
		{"last writer", c.String(), "c1 c2"},
	} {
		if c.got != c.want {
			t.Errorf("%s holds %q, want %q", c.name, c.got, c.want)
		}
	}
	if b, err := os.ReadFile(moved); err != nil || string(b) != "moved" {
		t.Errorf("io.output's file holds %q (%v), want %q", b, err, "moved")
	}
}

// TestStdoutSandbox checks that a sandboxed run still has no io, and that
// print writes to its writer.
func TestStdoutSandbox(t *testing.T) {
	rt := newRuntime(t, memRegistry, runtime.WithSandbox())
	var w strings.Builder
	res, err := rt.RunString(context.Background(), `print("p", 1.5) return io == nil, package.loaded.io == nil, rawget(_G, "io") == nil`, runtime.WithStdout(&w))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(res) != "[true true true]" || w.String() != "p\t1.5\n" {
		t.Errorf("results %v, output %q; want no io and %q", res, w.String(), "p\t1.5\n")
	}
}
