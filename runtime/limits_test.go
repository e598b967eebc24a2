package runtime

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

// errorObjectScripts raise error objects whose __tostring never returns,
// before the deadline and (through raiselate, a Go function that returns
// only after the deadline) after it.
var errorObjectScripts = []struct{ name, code, want string }{
	{"raised before the limit", `
		error(setmetatable({}, {__tostring = function() while true do end end}))`,
		"error object is a table (its __tostring did not finish: the script was stopped)"},
	{"raised after the limit", `
		local e = setmetatable({}, {__index = error, __tostring = function() while true do end end})
		require("raiselate")(e)`,
		"error object is a table (its __tostring did not run: the script was stopped)"},
	{"nested in pcall", `
		local e = setmetatable({}, {__tostring = function() while true do end end})
		pcall(error, e)
		error(e)`,
		"error object is a table (its __tostring did not finish: the script was stopped)"},
}

// TestErrorObjectToStringIsBounded runs scripts whose error object loops in
// __tostring through every way of running a script: each ends with a
// timeout and a fixed description of the error object.
func TestErrorObjectToStringIsBounded(t *testing.T) {
	rt := newSessionRuntime(t)
	rt.Preload("raiselate", func(L *lua.LState) int {
		L.Push(L.NewFunction(func(L *lua.LState) int {
			<-L.Context().Done()
			L.Error(L.Get(1), 0)
			return 0
		}))
		return 1
	})
	ways := []struct {
		name string
		run  func(ctx context.Context, code string) error
	}{
		{"Run", func(ctx context.Context, code string) error {
			_, err := rt.Run(ctx, Script{Name: "t.lua", Source: strings.NewReader(code)})
			return err
		}},
		{"RunString", func(ctx context.Context, code string) error {
			_, err := rt.RunString(ctx, code)
			return err
		}},
		{"Session", func(ctx context.Context, code string) error {
			s, err := rt.NewSession()
			if err != nil {
				return err
			}
			defer s.Close()
			fn, err := s.L().LoadString(code)
			if err != nil {
				return err
			}
			_, err = s.Call(ctx, fn)
			return err
		}},
	}
	for _, way := range ways {
		for _, sc := range errorObjectScripts {
			t.Run(way.name+"/"+sc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				done := make(chan error, 1)
				go func() { done <- way.run(ctx, sc.code) }()
				var err error
				select {
				case err = <-done:
				case <-time.After(30 * time.Second): // a liveness bound, not a timing
					t.Fatal("the script outlived its limit")
				}
				var se *ScriptError
				if !errors.As(err, &se) {
					t.Fatalf("error %v, want a *ScriptError", err)
				}
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error %v does not match context.DeadlineExceeded", err)
				}
				if !strings.Contains(se.Message, sc.want) {
					t.Errorf("message %q, want it to contain %q", se.Message, sc.want)
				}
			})
		}
	}
}

// TestErrorTextOfALiveScript checks that a __tostring that returns is used
// as it is while the script's limit has not passed.
func TestErrorTextOfALiveScript(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	ctx, cancel := context.WithCancel(context.Background())
	L.SetContext(ctx)
	if err := L.DoString(`e = setmetatable({}, {__tostring = function() return "boom" end})`); err != nil {
		t.Fatal(err)
	}
	e := L.GetGlobal("e")
	if got, want := errorText(L, e), "boom"; got != want {
		t.Errorf("live: %q, want %q", got, want)
	}
	cancel()
	if got, want := errorText(L, e), "error object is a table (its __tostring did not run: the script was stopped)"; got != want {
		t.Errorf("stopped: %q, want %q", got, want)
	}
}

// TestMemoryLimit runs scripts that grow without bound under a memory cap
// (the runtime's default, or the run's own): each stops with an INVALID
// "memory limit" error naming the cap, and the runtime runs the next
// script as before.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name, code string
		opts       []Option
		ctx        func(context.Context) context.Context
		want       string
	}{
		{name: "runtime default, table of strings", opts: []Option{WithMemoryLimit(16 << 20)},
			code: `local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 4000) .. i end`,
			want: "INVALID: memory limit of 16 MiB exceeded"},
		{name: "per run, nested tables",
			ctx:  func(ctx context.Context) context.Context { return WithRunMemoryLimit(ctx, 16<<20) },
			code: `local t = {} for i = 1, 1e9 do t = {t, i, {}, {}} end`,
			want: "INVALID: memory limit of 16 MiB exceeded"},
		{name: "per run over the default, concatenation", opts: []Option{WithMemoryLimit(1 << 40)},
			ctx:  func(ctx context.Context) context.Context { return WithRunMemoryLimit(ctx, 24<<20) },
			code: `local s, parts = "", {} for i = 1, 1e9 do s = s .. string.rep("x", 1000) parts[#parts + 1] = s end`,
			want: "INVALID: memory limit of 24 MiB exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := New(context.Background(), append([]Option{WithRegistryString("empty.yaml", "namespace: app\nentries: []\n")}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second) // a liveness bound
			defer cancel()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			_, err = rt.RunString(ctx, tt.code)
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *ScriptError", err)
			}
			if se.Message != tt.want {
				t.Errorf("message %q, want %q", se.Message, tt.want)
			}
			var le *luamod.Error
			if !errors.As(err, &le) || le.Kind != luamod.KindInvalid || !errors.Is(err, luastd.ErrMemoryLimit) {
				t.Errorf("error %v: want an INVALID luamod.Error wrapping luastd.ErrMemoryLimit", err)
			}
			if got, err := rt.RunString(context.Background(), "return 1 + 1"); err != nil || len(got) != 1 || got[0] != int64(2) {
				t.Errorf("next run: %v, %v", got, err)
			}
		})
	}
}

// TestMemoryErrorsHaveOneShape: an allocation a library function or ..
// refuses, and a run the watchdog stops, give the same error: an INVALID
// *luamod.Error (errors.Is ErrInvalid and luastd.ErrMemoryLimit) reading
// "memory limit of N exceeded", a refusal adding what asked for how much.
func TestMemoryErrorsHaveOneShape(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("empty.yaml", "namespace: app\nentries: []\n"), WithMemoryLimit(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	tests := []struct {
		name, code string
		refusedBy  string // the MemoryError's Func; "" when the watchdog may stop it first
		want       string // the message's start
	}{
		{"string.rep", `return string.rep("x", 2^31)`, "string.rep",
			"INVALID: memory limit of 64 MiB exceeded: string.rep needs 2147483648 bytes"},
		{"concatenation", `local s = ("x"):rep(2^25) return s..s..s`, "concatenation",
			"INVALID: memory limit of 64 MiB exceeded: concatenation needs 100663296 bytes"},
		{"table.concat", `local t = {} for i = 1, 2^16 do t[i] = "x" end return table.concat(t, ("y"):rep(2^11))`, "table.concat",
			"INVALID: memory limit of 64 MiB exceeded: table.concat needs 134281216 bytes"},
		{"re-raised from pcall", `local ok, e = pcall(string.rep, "x", 2^31) error(e, 0)`, "string.rep",
			"INVALID: memory limit of 64 MiB exceeded: string.rep needs 2147483648 bytes"},
		{"string.upper kept", `local s = ("x"):rep(20 * 2^20) local t = {} for i = 1, 100 do t[i] = s:upper() end`, "",
			"INVALID: memory limit of 64 MiB exceeded"},
		{"string.reverse kept", `local s = ("x"):rep(20 * 2^20) local t = {} for i = 1, 100 do t[i] = s:reverse() end`, "",
			"INVALID: memory limit of 64 MiB exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a liveness bound
			defer cancel()
			_, err := rt.RunString(ctx, tt.code)
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *ScriptError", err)
			}
			if !strings.HasPrefix(se.Message, tt.want) {
				t.Errorf("message %q, want it to start %q", se.Message, tt.want)
			}
			var le *luamod.Error
			if !errors.As(err, &le) || le.Kind != luamod.KindInvalid || !errors.Is(err, ErrInvalid) || !errors.Is(err, luastd.ErrMemoryLimit) {
				t.Errorf("error %v: want an INVALID luamod.Error matching ErrInvalid and luastd.ErrMemoryLimit", err)
			}
			var me *luastd.MemoryError
			if tt.refusedBy != "" && (!errors.As(err, &me) || me.Func != tt.refusedBy) {
				t.Errorf("error %v: want a *luastd.MemoryError of %s", err, tt.refusedBy)
			}
		})
	}
}

// TestTraceback checks the traceback of a script error: the frames that
// raised it, cut after tracebackLevels levels.
func TestTraceback(t *testing.T) {
	rt := newSessionRuntime(t)
	tests := []struct {
		name, code string
		want       []string
		maxLines   int
	}{
		{"frames", `local function g() error("x") end local function f() g() end f()`,
			[]string{"stack traceback:", "[G]: in function 'error'", "<string>:1: in function 'g'", "<string>:1: in function 'f'", "<string>:1: in main chunk"}, 7},
		{"deep recursion is cut", `local function f(n) if n == 0 then error("deep") end f(n - 1) end f(100)`,
			[]string{"<string>:1: in function 'f'", "\t..."}, tracebackLevels + 3},
		{"tail calls", `local function f(n) if n == 0 then error("end") end return f(n - 1) end f(100000)`,
			[]string{"(tailcall): ?"}, tracebackLevels + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rt.RunString(context.Background(), tt.code)
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *ScriptError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(se.Traceback, w) {
					t.Errorf("traceback lacks %q:\n%s", w, se.Traceback)
				}
			}
			if n := strings.Count(se.Traceback, "\n") + 1; n > tt.maxLines {
				t.Errorf("traceback has %d lines, want at most %d:\n%s", n, tt.maxLines, se.Traceback)
			}
		})
	}
}
