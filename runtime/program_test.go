package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
	"github.com/luahost/luahost/runtime"
)

func mustCompile(t testing.TB, name, src string) *runtime.Program {
	t.Helper()
	p, err := runtime.Compile(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCompileSyntaxError checks the text and fields of a *SyntaxError, and
// that RunString and Run report the same error as the Cause of their
// *ScriptError.
func TestCompileSyntaxError(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	ctx := context.Background()
	tests := []struct {
		name, src string
		want      string
		line      int
		atEOF     bool
	}{
		{"unexpected token", "x = = 1", "h.lua:1: unexpected symbol near '='", 1, false},
		{"keyword", "local x = 1\nend", "h.lua:2: '<eof>' expected near 'end'", 2, false},
		{"ends early", "return (", "h.lua:1: unexpected symbol near '<eof>'", 1, true},
		{"ends early after newline", "x = 1\nreturn (\n", "h.lua:3: unexpected symbol near '<eof>'", 3, true},
		{"block ends early", "function f()\n  return 1\n", "h.lua:3: 'end' expected (to close 'function' at line 1) near '<eof>'", 3, true},
		{"unfinished string", "x = 'abc", "h.lua:1: unfinished string near '<eof>'", 1, true},
		{"string ends at a newline", "x = 'abc\n'", "h.lua:1: unfinished string near ''abc'", 1, false},
		{"control byte", "x = 1\ny = \x01", "h.lua:2: unexpected symbol near 'char(1)'", 2, false},
		{"ambiguous call", "local x = f\n(g)()", "h.lua:2: ambiguous syntax (function call x new statement) near '('", 2, false},
		{"too deep", "return " + strings.Repeat("(", 300), "h.lua:1: chunk has too many syntax levels", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := runtime.Compile("h.lua", tt.src)
			var se *runtime.SyntaxError
			if p != nil || !errors.As(err, &se) {
				t.Fatalf("Compile = %v, %v; want a *SyntaxError", p, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
			if se.Chunk != "h.lua" || se.Line != tt.line || se.AtEOF != tt.atEOF {
				t.Errorf("got %+v, want chunk h.lua, line %d, AtEOF %v", se, tt.line, tt.atEOF)
			}
			var le *luastd.SyntaxLevelError
			if got, want := errors.As(err, &le), strings.HasSuffix(tt.want, "too many syntax levels"); got != want {
				t.Errorf("error wraps a *luastd.SyntaxLevelError: %v, want %v", got, want)
			}
			// RunString names its chunks "<string>"; Run names them by
			// Script.Name.
			wantRun := "<string>" + strings.TrimPrefix(tt.want, "h.lua")
			_, err = rt.RunString(ctx, tt.src)
			var scriptErr *runtime.ScriptError
			if !errors.As(err, &scriptErr) || scriptErr.Message != wantRun || !errors.As(err, &se) {
				t.Errorf("RunString: %v, want a *ScriptError %q with a *SyntaxError cause", err, wantRun)
			}
			_, err = rt.Run(ctx, runtime.Script{Name: "h.lua", Source: strings.NewReader(tt.src)})
			if !errors.As(err, &scriptErr) || scriptErr.Message != tt.want || !errors.As(err, &se) {
				t.Errorf("Run: %v, want a *ScriptError %q with a *SyntaxError cause", err, tt.want)
			}
		})
	}
}

func TestCompileFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "job.lua")
	if err := os.WriteFile(path, []byte("#!/usr/bin/env luahost run\nlocal a = ...\nreturn a * 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := runtime.CompileFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != path {
		t.Errorf("Name() = %q, want %q", p.Name(), path)
	}
	rt := newRuntime(t, memRegistry)
	res, err := rt.Call(context.Background(), p, []any{21})
	if err != nil || !reflect.DeepEqual(res, []any{int64(42)}) {
		t.Errorf("Call = %v, %v; want [42]", res, err)
	}
	if _, err := runtime.CompileFile(filepath.Join(dir, "missing.lua")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CompileFile of a missing file: %v, want fs.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.lua")
	if err := os.WriteFile(bad, []byte("#!/bin/sh\nreturn (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var se *runtime.SyntaxError
	if _, err := runtime.CompileFile(bad); !errors.As(err, &se) || err.Error() != bad+":3: unexpected symbol near '<eof>'" {
		t.Errorf("CompileFile of bad source: %v, want %s:3: unexpected symbol near '<eof>'", err, bad)
	}
}

// user is a Go value with MessagePack field names, as KV.Set takes.
type user struct {
	Name  string   `msgpack:"name"`
	Tags  []string `msgpack:"tags"`
	Admin bool     `msgpack:"admin"`
	Skip  string   `msgpack:"-"`
}

func TestCallConvertsArgsAndResults(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	var nilUser *user
	tests := []struct {
		name string
		code string
		args []any
		want []any
	}{
		{"no args", `return select("#", ...)`, nil, []any{int64(0)}},
		{"scalars", `return select("#", ...), ...`,
			[]any{"a", 1, 2.5, true, nil, []byte("b\x00c"), uint8(7), int32(-3), float32(0.5)},
			[]any{int64(9), "a", int64(1), 2.5, true, nil, "b\x00c", int64(7), int64(-3), 0.5}},
		{"types seen by Lua", `local r = {} for i = 1, select("#", ...) do r[i] = type((select(i, ...))) end return unpack(r)`,
			[]any{"s", 1, true, nil, map[string]any{}, []int{1}},
			[]any{"string", "number", "boolean", "nil", "table", "table"}},
		{"nested tables", `local t = ... return t.user.name, t.user.tags[2], #t.user.tags, t.n.a.b`,
			[]any{map[string]any{
				"user": map[string]any{"name": "Ada", "tags": []string{"x", "y"}},
				"n":    map[string]any{"a": map[string]int{"b": 3}},
			}},
			[]any{"Ada", "y", int64(2), int64(3)}},
		{"struct", `local u = ... return u.name, u.tags[1], u.admin, u.Skip`,
			[]any{user{Name: "Ada", Tags: []string{"x"}, Admin: true, Skip: "no"}},
			[]any{"Ada", "x", true, nil}},
		{"nil pointer is nil", `return (...) == nil`, []any{nilUser}, []any{true}},
		{"nil map values leave the key out", `local t = ... return t.a, t.b`,
			[]any{map[string]any{"a": nil, "b": 1}}, []any{nil, int64(1)}},
		{"Lua scalars pass through", `local a, b, c = ... return type(a), b + 1, c`,
			[]any{lua.LString("s"), lua.LNumber(1), lua.LBool(false)}, []any{"string", int64(2), false}},
		{"nested results", `return {a = {1, 2, {b = true}}, s = "x"}, {}, 1.5`, nil,
			[]any{map[string]any{"a": []any{int64(1), int64(2), map[string]any{"b": true}}, "s": "x"}, []any{}, 1.5}},
		{"round trip", `return ...`,
			[]any{map[string]any{"list": []any{"a", int64(1)}, "m": map[string]any{"k": false}}},
			[]any{map[string]any{"list": []any{"a", int64(1)}, "m": map[string]any{"k": false}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, "t.lua", tt.code)
			got, err := rt.Call(context.Background(), p, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Call = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestCallErrors(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	ctx := context.Background()
	L := lua.NewState()
	defer L.Close()
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	const ranCode = `assert(store.get("app:cache"):set("ran", true))`
	tests := []struct {
		name  string
		code  string
		args  []any
		is    error  // what the error matches, if anything
		want  string // the error text, or the start of a *ScriptError's Message
		noRun bool   // the chunk must not have run
	}{
		{"channel argument", ranCode, []any{1, make(chan int)},
			runtime.ErrInvalid, "t.lua: argument 2: encode chan int", true},
		{"time argument", ranCode, []any{time.Unix(0, 0)},
			runtime.ErrInvalid, "t.lua: argument 1: time.Time cannot be read by Lua", true},
		{"Lua table argument", ranCode, []any{L.NewTable()},
			runtime.ErrInvalid, "t.lua: argument 1: a Lua table belongs to the state that made it", true},
		{"script error", `error("boom")`, nil, nil, "t.lua:1: boom", false},
		{"store error raised", `local s = assert(store.get("app:cache")) local v, err = s:get("missing") error(err)`, nil,
			runtime.ErrNotFound, "NOT_FOUND", false},
		{"exit", `os.exit(3)`, nil, nil, "script exited with status 3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustCompile(t, "t.lua", tt.code)
			_, err := rt.Call(ctx, p, tt.args)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			var se *runtime.ScriptError
			text := err.Error()
			if errors.As(err, &se) {
				text = se.Message
			}
			if !strings.HasPrefix(text, tt.want) {
				t.Errorf("error %q, want it to start with %q", text, tt.want)
			}
			if tt.noRun {
				if ran, err := kv.Exists(ctx, "ran"); err != nil || ran {
					t.Errorf("the chunk ran: %v (err %v)", ran, err)
				}
			}
		})
	}
	if _, err := rt.Call(ctx, nil, nil); !errors.Is(err, runtime.ErrInvalid) {
		t.Errorf("Call of a nil program: %v, want ErrInvalid", err)
	}
	var ee *runtime.ExitError
	if _, err := rt.Call(ctx, mustCompile(t, "t.lua", "os.exit(3)"), nil); !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("os.exit(3): %v, want *ExitError with code 3", err)
	}
}

// TestCallLimits checks that the run limits of RunString hold for Call.
func TestCallLimits(t *testing.T) {
	rt := newRuntime(t, memRegistry, runtime.WithMemoryLimit(16<<20))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		code string
		ctx  func() (context.Context, context.CancelFunc)
		is   error
	}{
		{"timeout", `while true do end`,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}, context.DeadlineExceeded},
		{"timeout in pcall", `while true do pcall(function() while true do end end) end`,
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}, context.DeadlineExceeded},
		{"canceled", `while true do end`,
			func() (context.Context, context.CancelFunc) { return canceled, func() {} },
			context.Canceled},
		{"memory", `local t = {} for i = 1, 1e8 do t[i] = "item " .. i end`,
			func() (context.Context, context.CancelFunc) { return context.Background(), func() {} },
			luastd.ErrMemoryLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := rt.Call(ctx, mustCompile(t, "t.lua", tt.code), nil)
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v, want it to match %v", err, tt.is)
			}
			// How soon the memory watchdog sees the limit depends on the
			// machine; a deadline must stop the script at once.
			if took := time.Since(start); took > 10*time.Second && tt.is != luastd.ErrMemoryLimit {
				t.Errorf("Call returned after %v", took)
			}
		})
	}
	// The runtime still runs programs after those stops.
	if res, err := rt.Call(context.Background(), mustCompile(t, "t.lua", "return 1"), nil); err != nil || !reflect.DeepEqual(res, []any{int64(1)}) {
		t.Errorf("Call after limits = %v, %v", res, err)
	}
}

// TestCallIsolation runs one program again and again: nothing a run
// changes is seen by the next.
func TestCallIsolation(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	p := mustCompile(t, "iso.lua", `
local step = ...
local seen = {x = x, upper = string.upper("a"), print = print == nil, meta = getmetatable("").__index.upper("b")}
if step == "change" then
  x = 1
  string.upper = function() return "changed" end
  print = nil
  getmetatable("").__index.upper = function() return "changed" end
end
return seen`)
	want := map[string]any{"upper": "A", "print": false, "meta": "B"}
	for i, step := range []string{"change", "look", "change", "look"} {
		res, err := rt.Call(context.Background(), p, []any{step})
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if !reflect.DeepEqual(res, []any{want}) {
			t.Fatalf("run %d (%s) saw %#v, want %#v", i, step, res, []any{want})
		}
	}
}

// TestCallSecurity checks that a run's actor and scope apply to Call.
func TestCallSecurity(t *testing.T) {
	rt := newTenantRuntime(t, "memory")
	p := mustCompile(t, "put.lua", `
local key = ...
local s, err = store.get("app:shared")
if not s then error(err) end
local ok, err = s:set(key, require("security").actor():id())
if not ok then error(err) end
return s:get(key)`)
	tests := []struct {
		key  string
		opts []runtime.RunOption
		want any
		is   error
	}{
		{"acme/a", tenant("acme"), "acme", nil},
		{"globex/a", tenant("acme"), nil, runtime.ErrPermissionDenied},
		{"globex/a", tenant("globex"), "globex", nil},
		{"acme/b", []runtime.RunOption{runtime.WithScope()}, nil, runtime.ErrPermissionDenied},
	}
	for _, tt := range tests {
		res, err := rt.Call(context.Background(), p, []any{tt.key}, tt.opts...)
		if tt.is != nil {
			if !errors.Is(err, tt.is) {
				t.Errorf("set %s: %v, want %v", tt.key, err, tt.is)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(res, []any{tt.want}) {
			t.Errorf("set %s = %v, %v; want %v", tt.key, res, err, tt.want)
		}
	}
}

// TestProgramSharedByGoroutines runs one Program from many goroutines at
// once (run with -race): each run sees its own arguments and globals.
func TestProgramSharedByGoroutines(t *testing.T) {
	rt := newRuntime(t, memRegistry)
	p := mustCompile(t, "shared.lua", `
local id, n = ...
if mine ~= nil then error("saw another run's global: " .. tostring(mine)) end
mine = id
local s = ""
for i = 1, n do s = s .. id end
local kv = assert(store.get("app:cache"))
assert(kv:set("k:" .. id, #s))
return mine, kv:get("k:" .. id)`)
	const goroutines, calls = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				id := fmt.Sprintf("g%d.%d", g, i)
				res, err := rt.Call(context.Background(), p, []any{id, i})
				if err != nil {
					errs <- err
					return
				}
				if want := []any{id, int64(len(id) * i)}; !reflect.DeepEqual(res, want) {
					errs <- fmt.Errorf("call %s = %v, want %v", id, res, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestWithStdout checks where print writes for each way of running a
// script, and that the next run on a pooled state prints to its own place.
func TestWithStdout(t *testing.T) {
	var def strings.Builder
	rt := newRuntime(t, memRegistry, runtime.WithRunDefaults(runtime.WithStdout(&def)))
	ctx := context.Background()
	p := mustCompile(t, "p.lua", `print("call", ...)`)
	var a, b strings.Builder
	ways := []struct {
		name string
		run  func() error
		w    *strings.Builder
		want string
	}{
		{"Call", func() error { _, err := rt.Call(ctx, p, []any{1, "x"}, runtime.WithStdout(&a)); return err }, &a, "call\t1\tx\n"},
		{"Call again", func() error { _, err := rt.Call(ctx, p, []any{2}, runtime.WithStdout(&b)); return err }, &b, "call\t2\n"},
		{"RunString", func() error { _, err := rt.RunString(ctx, `print("s", nil)`, runtime.WithStdout(&a)); return err }, &a, "call\t1\tx\ns\tnil\n"},
		{"Run", func() error {
			_, err := rt.Run(ctx, runtime.Script{Name: "r.lua", Source: strings.NewReader(`print("run")`)}, runtime.WithStdout(&b))
			return err
		}, &b, "call\t2\nrun\n"},
		{"Do", func() error {
			return rt.Do(ctx, func(L *lua.LState) error { return L.DoString(`print("do")`) }, runtime.WithStdout(&a))
		}, &a, "call\t1\tx\ns\tnil\ndo\n"},
		{"runtime default", func() error { _, err := rt.Call(ctx, p, nil); return err }, &def, "call\n"},
	}
	for _, w := range ways {
		if err := w.run(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if got := w.w.String(); got != w.want {
			t.Errorf("%s: output %q, want %q", w.name, got, w.want)
		}
	}
}
