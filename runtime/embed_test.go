package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/runtime"
)

// TestContextStopsScripts checks that a deadline or a cancellation stops a
// script promptly wherever it is: in a pure Lua loop or in store calls.
func TestContextStopsScripts(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	dir := t.TempDir()
	loopFile := filepath.Join(dir, "loop.lua")
	if err := os.WriteFile(loopFile, []byte("while true do end\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const storeLoop = `local s = assert(store.get("app:cache"))
local i = 0
while true do i = i + 1; assert(s:set("k", i)) end`
	runs := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"RunString loop", func(ctx context.Context) error { _, err := rt.RunString(ctx, `while true do end`); return err }},
		{"RunString store calls", func(ctx context.Context) error { _, err := rt.RunString(ctx, storeLoop); return err }},
		{"RunFile loop", func(ctx context.Context) error { return rt.RunFile(ctx, loopFile) }},
		{"Run store calls", func(ctx context.Context) error {
			_, err := rt.Run(ctx, runtime.Script{Name: "loop", Source: strings.NewReader(storeLoop)})
			return err
		}},
		{"Do loop", func(ctx context.Context) error {
			return rt.Do(ctx, func(L *lua.LState) error { return L.DoString(`while true do end`) })
		}},
		{"loop inside pcall", func(ctx context.Context) error {
			_, err := rt.RunString(ctx, `while true do pcall(function() while true do end end) end`)
			return err
		}},
	}
	stops := []struct {
		name string
		want error
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"deadline", context.DeadlineExceeded, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}},
		{"cancel", context.Canceled, func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}},
	}
	for _, r := range runs {
		for _, s := range stops {
			t.Run(r.name+"/"+s.name, func(t *testing.T) {
				ctx, cancel := s.ctx()
				defer cancel()
				start := time.Now()
				err := r.run(ctx)
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("returned after %v", took)
				}
				if !errors.Is(err, s.want) {
					t.Fatalf("error %v does not match %v", err, s.want)
				}
			})
		}
	}
	// The runtime still works after interrupted runs.
	res, err := rt.RunString(context.Background(), `return 1 + 1`)
	if err != nil || !reflect.DeepEqual(res, []any{int64(2)}) {
		t.Fatalf("RunString after interruptions = %v, %v", res, err)
	}
}

func TestRunStringResults(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	res, err := rt.RunString(context.Background(), `return 1, -2.5, "a", true, {1, 2}, {x = {y = 1}}, nil, print`)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{int64(1), -2.5, "a", true, []any{int64(1), int64(2)}, map[string]any{"x": map[string]any{"y": int64(1)}}, nil}
	if !reflect.DeepEqual(res[:7], want) {
		t.Errorf("results %#v\nwant %#v", res[:7], want)
	}
	if s, ok := res[7].(string); !ok || !strings.HasPrefix(s, "function") {
		t.Errorf("function result %#v, want its text form", res[7])
	}
}

// TestRunPrintsToScriptStdout checks that print in Run writes to
// Script.Stdout, through the script's own tostring as in Lua 5.1.
func TestRunPrintsToScriptStdout(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	var out strings.Builder
	code := `local t = setmetatable({}, {__tostring = function() return "T" end})
print(1, "a", nil, t)
tostring = function(v) return "<" .. type(v) .. ">" end
print(2)`
	if _, err := rt.Run(context.Background(), runtime.Script{Name: "p", Source: strings.NewReader(code), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "1\ta\tnil\tT\n<number>\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// TestPooledStatesIsolateRuns checks what one RunString leaves behind for
// the next run on the same pooled state.
func TestPooledStatesIsolateRuns(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, memRegistry)
	steps := []struct {
		name string
		code string
		want []any
		err  string
	}{
		{"globals", `x = 1; _G.y = 2; rawset(_G, "z", 3); return x, y, z`, []any{int64(1), int64(2), int64(3)}, ""},
		{"globals gone", `return x, y, z, _G.x, rawget(_G, "z")`, []any{nil, nil, nil, nil, nil}, ""},
		{"error mid-call", `local function f(n) if n == 0 then error("boom") end return f(n - 1) end; w = 1; f(50)`, nil, "boom"},
		{"after error", `return w, select("#", 1, 2)`, []any{nil, int64(2)}, ""},
		{"runtime error", `local t = nil; return t.x`, nil, "attempt to index"},
		{"syntax error", `return (`, nil, "<string>"},
		{"still works", `return string.format("%d", 7)`, []any{"7"}, ""},
		// Compiled chunks are reused; each run still gets its own globals.
		{"same code once", `n = (n or 0) + 1 return n`, []any{int64(1)}, ""},
		{"same code twice", `n = (n or 0) + 1 return n`, []any{int64(1)}, ""},
		{"varargs", `local function f(...) return arg.n end return select("#", ...), f(1, 2)`,
			[]any{int64(0), int64(2)}, ""},
	}
	for _, s := range steps {
		res, err := rt.RunString(ctx, s.code)
		if s.err != "" {
			var se *runtime.ScriptError
			if !errors.As(err, &se) || !strings.Contains(se.Message, s.err) {
				t.Fatalf("%s: error %v, want a *ScriptError with %q", s.name, err, s.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !reflect.DeepEqual(res, s.want) {
			t.Fatalf("%s: results %#v, want %#v", s.name, res, s.want)
		}
	}
	// Do hands out a clean stack even after a failed run.
	err := rt.Do(ctx, func(L *lua.LState) error {
		if top := L.GetTop(); top != 0 {
			return fmt.Errorf("stack has %d values", top)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDoAfterClose(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("t.yaml", memRegistry))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.RunString(context.Background(), `return 1`); !errors.Is(err, runtime.ErrShuttingDown) {
		t.Fatalf("RunString after Close = %v, want ErrShuttingDown", err)
	}
	if _, err := rt.Store(context.Background(), "app:cache"); !errors.Is(err, runtime.ErrUnavailable) {
		t.Fatalf("Store after Close = %v, want ErrUnavailable", err)
	}
}

// os.exit ends a script on a pooled state even when the script catches it,
// and the next run gets a working state.
func TestExitInPooledState(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, memRegistry)
	for _, code := range []string{
		`os.exit(3)`,
		`pcall(os.exit, 3) return "went on"`,
		`pcall(os.exit, 3) while true do end`,
	} {
		res, err := rt.RunString(ctx, code)
		var ee *runtime.ExitError
		if !errors.As(err, &ee) || ee.Code != 3 {
			t.Errorf("%s: %v, %v; want exit status 3", code, res, err)
		}
		if res, err := rt.RunString(ctx, `return 1`); err != nil || !reflect.DeepEqual(res, []any{int64(1)}) {
			t.Fatalf("after %s: %v, %v", code, res, err)
		}
	}
}

// TestRunStringHugeChunkDeadline checks that RunString of a chunk that
// takes long to compile returns at its deadline, with the context's error
// (it waited for the whole compile before), and runs given the time.
func TestRunStringHugeChunkDeadline(t *testing.T) {
	rt, err := runtime.New(context.Background(), runtime.WithRegistryString("t.yaml", memRegistry))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	var b strings.Builder
	b.WriteString("local t = {")
	for i := 1; i <= 200000; i++ {
		fmt.Fprintf(&b, "%d,", i)
	}
	b.WriteString("}\nreturn #t")
	code := b.String()
	for _, d := range []time.Duration{0, 20 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		start := time.Now()
		_, err := rt.RunString(ctx, code)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("deadline %v: error %v, want the deadline's", d, err)
		}
		if took := time.Since(start); took > d+500*time.Millisecond {
			t.Fatalf("deadline %v: returned after %v", d, took)
		}
	}
	res, err := rt.RunString(context.Background(), code)
	if err != nil || len(res) != 1 || res[0] != int64(200000) {
		t.Fatalf("got %v, %v", res, err)
	}
}
