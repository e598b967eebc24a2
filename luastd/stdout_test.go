package luastd_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luastd"
)

// ioState opens a state with gopher-lua's io library too, then luastd and
// its standard output, pointed at w.
func ioState(t *testing.T, w *strings.Builder) (*lua.LState, *luastd.Stdout) {
	t.Helper()
	L := lua.NewState(luastd.Options())
	for _, lib := range []lua.LGFunction{lua.OpenPackage, lua.OpenBase, lua.OpenTable,
		lua.OpenString, lua.OpenMath, lua.OpenOs, lua.OpenIo} {
		L.Push(L.NewFunction(lib))
		L.Call(0, 0)
	}
	luastd.Open(L)
	out := luastd.OpenStdout(L)
	if prev := out.Set(w); prev != nil {
		t.Fatalf("a new Stdout held %v, want nil", prev)
	}
	t.Cleanup(func() {
		luastd.Forget(L)
		L.Close()
	})
	return L, out
}

// runIO runs code in L and returns the values of its return statement as
// tostring gives them, joined by tabs.
func runIO(L *lua.LState, code string) (string, error) {
	fn, err := luastd.Load(L, code, "io.lua")
	if err != nil {
		return "", err
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		return "", err
	}
	out := stackText(L)
	L.SetTop(0)
	return out, nil
}

// TestStdout checks what print, io.write, io.stdout and io.output() write
// to a state's standard output and return, as Lua 5.1 (lua5.1 on Linux,
// stdout a pipe) does.
func TestStdout(t *testing.T) {
	tests := []struct {
		name, code  string
		out, result string
		err         string // the error's text after "io.lua:N: ", "" for none
	}{
		{name: "print", code: `print("a", 1, nil, 0.5)`, out: "a\t1\tnil\t0.5\n"},
		{name: "io.write", code: `return io.write("a", "b", "\n")`, out: "ab\n", result: "true"},
		{name: "io.write returns true, not the file", code: `return io.write() == true, select("#", io.write())`, result: "true\t1"},
		{name: "io.stdout:write", code: `return io.stdout:write("s", 1, "\n")`, out: "s1\n", result: "true"},
		{name: "io.output():write", code: `return io.output():write("o\n")`, out: "o\n", result: "true"},
		{name: "numbers as %.14g", code: `local z = 0 io.write(0.1 + 0.2, " ", 2^53, " ", 1e15, " ", 1e100, " ", -z, " ", 1/0, " ", -1/0, " ", 123456789012, " ", 1/3)`,
			out: "0.3 9.007199254741e+15 1e+15 1e+100 -0 inf -inf 123456789012 0.33333333333333"},
		{name: "numeric strings are written as they are", code: `io.write("0x10", " ", "1e2")`, out: "0x10 1e2"},
		{name: "print and io.write keep their order", code: `print(1) io.write(2) print(3) io.stdout:write(4) io.output():write(5) print(6)`,
			out: "1\n23\n456\n"},
		{name: "flush", code: `return io.stdout:flush(), io.flush()`, result: "true\ttrue"},
		{name: "still a file", code: `return io.type(io.stdout), tostring(io.stdout), io.output() == io.stdout, getmetatable(io.stdout) == getmetatable(io.stderr)`,
			result: "file\tfile\ttrue\ttrue"},
		{name: "standard output cannot be closed", code: `local a, b = io.stdout:close() local c, d = io.close() local e, f = io.close(io.stdout) io.write("still open") return a, b, c, d, e, f`,
			out: "still open", result: "nil\tcannot close standard file\tnil\tcannot close standard file\tnil\tcannot close standard file"},
		{name: "read", code: `return io.stdout:read()`, result: "nil\tBad file descriptor\t9"},
		{name: "seek", code: `return io.stdout:seek("set", 0)`, result: "nil\tIllegal seek\t29"},
		{name: "setvbuf", code: `return io.stdout:setvbuf("no"), io.stdout:setvbuf("full", 1024), io.stdout:setvbuf("line")`, result: "true\ttrue\ttrue"},
		{name: "lines fails when read", code: `local next = io.stdout:lines() return next()`, err: "Bad file descriptor"},
		{name: "io.write of nil", code: `io.write("a", nil)`, out: "a", err: "bad argument #2 to 'write' (string expected, got nil)"},
		{name: "io.write of a table", code: `io.write({})`, err: "bad argument #1 to 'write' (string expected, got table)"},
		{name: "write of a boolean after one written", code: `io.stdout:write("x", true, "y")`, out: "x", err: "bad argument #2 to 'write' (string expected, got boolean)"},
		{name: "write called with a dot", code: `io.stdout.write("x")`, err: "bad argument #1 to 'write' (FILE* expected, got string)"},
		{name: "flush without a file", code: `io.stdout.flush()`, err: "bad argument #1 to 'flush' (FILE* expected, got no value)"},
		{name: "setvbuf mode", code: `io.stdout:setvbuf("sometimes")`, err: "bad argument #1 to 'setvbuf' (invalid option 'sometimes')"},
		{name: "setvbuf size", code: `io.stdout:setvbuf("full", "big")`, err: "bad argument #2 to 'setvbuf' (number expected, got string)"},
		{name: "seek whence", code: `io.stdout:seek("middle")`, err: "bad argument #1 to 'seek' (invalid option 'middle')"},
		{name: "standard input and error cannot be closed", code: `local a, b = io.stderr:close() local c, d = io.close(io.stdin) local e, f = io.stdin:close() local g = io.close(io.stderr) return a, b, c, d, e, f, g, io.type(io.stderr), io.type(io.stdin)`,
			result: "nil\tcannot close standard file\tnil\tcannot close standard file\tnil\tcannot close standard file\tnil\tfile\tfile"},
		{name: "io.stderr is gopher-lua's", code: `return io.type(io.stderr), io.stderr ~= io.stdout`, result: "file\ttrue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w strings.Builder
			L, _ := ioState(t, &w)
			got, err := runIO(L, tt.code)
			if tt.err != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tt.err)
				}
				var ae *lua.ApiError
				if !errors.As(err, &ae) {
					t.Fatalf("error %v (%T), want a Lua error", err, err)
				}
				if msg := ae.Object.String(); msg != "io.lua:1: "+tt.err {
					t.Fatalf("error %q, want %q", msg, "io.lua:1: "+tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got != tt.result {
				t.Errorf("results %q, want %q", got, tt.result)
			}
			if w.String() != tt.out {
				t.Errorf("wrote %q, want %q", w.String(), tt.out)
			}
		})
	}
}

// TestStdoutOtherOutput checks that io.write follows io.output to a file
// and back, and that files other than io.stdout are still gopher-lua's.
func TestStdoutOtherOutput(t *testing.T) {
	var w strings.Builder
	L, _ := ioState(t, &w)
	path := filepath.Join(t.TempDir(), "out.txt")
	L.SetGlobal("path", lua.LString(path))
	got, err := runIO(L, `
		local f = assert(io.open(path, "w"))
		io.write("before ")
		io.output(f)
		local r = io.write("to the file ", 1.5)
		assert(f:write(" and its method"))
		io.flush()
		assert(io.close())
		assert(io.output() == f and io.type(f) == "closed file")
		io.output(io.stdout)
		io.write("after")
		return r, io.type(f)`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "true\tclosed file"; got != want {
		t.Errorf("results %q, want %q", got, want)
	}
	if want := "before after"; w.String() != want {
		t.Errorf("standard output %q, want %q", w.String(), want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "to the file 1.5 and its method"; string(b) != want {
		t.Errorf("file holds %q, want %q", b, want)
	}
}

// flushWriter records writes and flushes, and fails them with err.
type flushWriter struct {
	b       strings.Builder
	flushes int
	err     error
}

func (w *flushWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	return w.b.Write(p)
}

func (w *flushWriter) String() string { return w.b.String() }

func (w *flushWriter) Flush() error { w.flushes++; return w.err }

// TestStdoutWriter checks Set and Writer, that flush reaches the writer's
// Flush, and that a failing writer gives nil, its message and its error
// number.
func TestStdoutWriter(t *testing.T) {
	var first strings.Builder
	L, out := ioState(t, &first)
	fw := &flushWriter{}
	if prev := out.Set(fw); prev != &first {
		t.Fatalf("Set returned %v, want the writer set before", prev)
	}
	if out.Writer() != fw {
		t.Fatal("Writer does not return the writer set")
	}
	if _, err := runIO(L, `io.write("x") io.stdout:flush() io.flush() print("y")`); err != nil {
		t.Fatal(err)
	}
	if fw.String() != "xy\n" || fw.flushes != 2 || first.Len() != 0 {
		t.Errorf("wrote %q with %d flushes (first writer %q), want \"xy\\n\" with 2", fw.String(), fw.flushes, first.String())
	}
	fw.err = &os.PathError{Op: "write", Path: "pipe", Err: syscall.EPIPE}
	got, err := runIO(L, `local a, b, c = io.write("x") local d, e, f = io.stdout:flush() return a, b, c, d, e, f`)
	if err != nil {
		t.Fatal(err)
	}
	msg := fw.err.Error()
	if want := strings.Join([]string{"nil", msg, "32", "nil", msg, "32"}, "\t"); got != want {
		t.Errorf("results %q, want %q", got, want)
	}
	out.Set(nil)
	if out.Writer() != os.Stdout {
		t.Errorf("Writer after Set(nil) = %v, want os.Stdout", out.Writer())
	}
}

// TestStdoutWithoutIO checks that a state without io (a sandbox) gets
// print alone: no io appears.
func TestStdoutWithoutIO(t *testing.T) {
	var w strings.Builder
	L := newState(t) // no io library
	luastd.OpenStdout(L).Set(&w)
	got, err := runIO(L, `print("p", 2) return io == nil, package.loaded.io == nil`)
	if err != nil {
		t.Fatal(err)
	}
	if got != "true\ttrue" || w.String() != "p\t2\n" {
		t.Errorf("results %q, output %q; want io absent and %q", got, w.String(), "p\t2\n")
	}
}
