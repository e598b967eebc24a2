package luastd

import (
	"errors"
	"io"
	"os"
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// Stdout is the standard output of one Lua state: where print, io.write,
// io.stdout's methods and io.output()'s methods (while the default output
// is io.stdout) write. OpenStdout makes it; a host points it at a writer
// for each run with Set. It is not synchronized: Set it while no script
// runs on the state, as a pooled state is used by one run at a time.
type Stdout struct {
	w io.Writer // nil: os.Stdout
}

// Set makes w the state's standard output, nil meaning the process's
// (os.Stdout), and returns the previous one.
func (s *Stdout) Set(w io.Writer) (previous io.Writer) {
	previous, s.w = s.w, w
	return previous
}

// Writer returns the state's standard output: the writer given to Set, or
// os.Stdout.
func (s *Stdout) Writer() io.Writer {
	if s.w == nil {
		return os.Stdout
	}
	return s.w
}

// OpenStdout gives L a standard output that the host can point at any
// io.Writer, and returns it (writing to os.Stdout until Set). It replaces
// print, and, when L has gopher-lua's io library open, takes over what
// io.stdout does, which gopher-lua binds to the process's standard output
// for good:
//
//   - io.write, io.flush and io.close without a file, while io.output() is
//     io.stdout, and io.stdout's write, flush, close, read, lines, seek and
//     setvbuf, act on the writer, as Lua 5.1 acts on stdout: numbers are
//     written as "%.14g", write and flush return true, or nil, a message
//     and an error number when the writer fails; flush calls the writer's
//     Flush method if it has one; close returns nil, "cannot close
//     standard file"; read gives nil, "Bad file descriptor", 9 and seek
//     nil, "Illegal seek", 29, as for a pipe; setvbuf checks its mode and
//     returns true.
//   - io.stdin and io.stderr cannot be closed either (io.close(f) and
//     f:close() return nil, "cannot close standard file" as in Lua 5.1):
//     gopher-lua's close would close the host process's own streams.
//   - A bad argument raises Lua 5.1's error, "bad argument #2 to 'write'
//     (string expected, got nil)". Methods number their arguments as a
//     method call (f:write(...)) does in Lua 5.1.
//
// Every other file (io.stderr, io.open's, io.output(name)'s) and io.type,
// io.input, io.read and io.lines stay gopher-lua's, and so does io.output,
// whose result luastd records as the default output; io.stdout is still
// the userdata gopher-lua made, so io.type(io.stdout) is "file" and
// getmetatable(io.stdout) is every file's metatable. Call OpenStdout after
// Open, once the libraries the state keeps are open; a state without io
// (a sandbox) gets the print alone.
func OpenStdout(L *lua.LState) *Stdout {
	s := &Stdout{}
	if L.GetGlobal("print") != lua.LNil {
		L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int { return printTo(L, s.Writer()) }))
	}
	iolib, ok := L.GetGlobal("io").(*lua.LTable)
	if !ok {
		return s
	}
	ud, ok := iolib.RawGetString("stdout").(*lua.LUserData)
	if !ok {
		return s
	}
	f := &stdoutFile{s: s, id: ud.Value}
	for _, name := range []string{"stdin", "stderr"} {
		if u, ok := iolib.RawGetString(name).(*lua.LUserData); ok {
			f.std = append(f.std, u.Value)
		}
	}
	if mt, ok := ud.Metatable.(*lua.LTable); ok {
		f.wrapMethods(L, mt)
	}
	if _, ok := iolib.RawGetString("output").(*lua.LFunction); !ok {
		return s
	}
	// current[1] is the default output, as io.output last returned it.
	current := L.CreateTable(1, 0)
	current.RawSetInt(1, ud)
	for name, fn := range map[string]ioFunc{
		"output": f.ioOutput,
		"write":  f.ioWrite,
		"flush":  f.ioFlush,
		"close":  f.ioClose,
	} {
		wrapIO(L, iolib, name, current, fn)
	}
	return s
}

// stdoutFile is what luastd does for io.stdout. id is the Value of the
// userdata gopher-lua made for it; a copy of that userdata (a run's own,
// see the runtime's isolation) has the same Value, so it is stdout too.
type stdoutFile struct {
	s  *Stdout
	id any
	// std are the Values of io.stdin's and io.stderr's userdata: closing
	// them would close the host's own streams.
	std []any
}

// isStd reports whether v is io.stdin or io.stderr (or a copy of one).
func (f *stdoutFile) isStd(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return false
	}
	for _, id := range f.std {
		if ud.Value == id {
			return true
		}
	}
	return false
}

// is reports whether v is io.stdout (or a copy of it).
func (f *stdoutFile) is(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	// id holds a pointer, so == never panics on an incomparable Value.
	return ok && ud.Value == f.id
}

// fileMethod is one of io.stdout's methods: L's argument 1 is the file.
type fileMethod func(f *stdoutFile, L *lua.LState) int

var stdoutMethods = map[string]fileMethod{
	"write":   (*stdoutFile).write,
	"flush":   (*stdoutFile).flush,
	"close":   (*stdoutFile).close,
	"read":    (*stdoutFile).read,
	"lines":   (*stdoutFile).lines,
	"seek":    (*stdoutFile).seek,
	"setvbuf": (*stdoutFile).setvbuf,
}

// wrapMethods puts over each method of the file metatable mt one that
// does stdoutMethods' work for io.stdout and gopher-lua's for other
// files. The wrapper keeps the method's upvalues, so the original runs as
// it would.
func (f *stdoutFile) wrapMethods(L *lua.LState, mt *lua.LTable) {
	for name, method := range stdoutMethods {
		orig, ok := mt.RawGetString(name).(*lua.LFunction)
		if !ok || !orig.IsG {
			continue
		}
		mt.RawSetString(name, L.NewClosure(func(L *lua.LState) int {
			self := L.Get(1)
			if f.is(self) {
				return method(f, L)
			}
			if name == "close" && f.isStd(self) {
				return noClose(L)
			}
			if _, ok := self.(*lua.LUserData); !ok {
				argError(L, 1, name, "FILE* expected, got "+typeName(L, 1))
			}
			return orig.GFunction(L)
		}, upvalues(orig)...))
	}
}

// ioFunc is the part of an io function luastd does. current is the
// table whose [1] is the default output; orig runs gopher-lua's function.
type ioFunc func(L *lua.LState, current *lua.LTable, orig lua.LGFunction) int

// wrapIO replaces io[name], a gopher-lua function, by one that runs fn.
// The replacement has the original's upvalues, so the original runs as
// it would, then current, the table that records the default output.
// current is a Lua upvalue, not a Go variable, so that a state that
// copies library functions for each run (the runtime's isolation) gives
// the run's copy its own default output.
func wrapIO(L *lua.LState, iolib *lua.LTable, name string, current *lua.LTable, fn ioFunc) {
	orig, ok := iolib.RawGetString(name).(*lua.LFunction)
	if !ok || !orig.IsG {
		return
	}
	ups := append(upvalues(orig), current)
	at := lua.UpvalueIndex(len(ups))
	iolib.RawSetString(name, L.NewClosure(func(L *lua.LState) int {
		cur, ok := L.Get(at).(*lua.LTable)
		if !ok {
			// Go code replaced it (debug.setupvalue leaves Go functions
			// alone). gopher-lua's function might write to the process's
			// standard output: refuse instead.
			raise(L, "io.%s: its upvalue %d (the default output) was replaced", name, len(ups))
		}
		return fn(L, cur, orig.GFunction)
	}, ups...))
}

func upvalues(fn *lua.LFunction) []lua.LValue {
	ups := make([]lua.LValue, len(fn.Upvalues))
	for i, u := range fn.Upvalues {
		ups[i] = u.Value()
	}
	return ups
}

// ioOutput is io.output([file]): gopher-lua's, whose result, the default
// output from then on, is recorded in current.
func (f *stdoutFile) ioOutput(L *lua.LState, current *lua.LTable, orig lua.LGFunction) int {
	n := orig(L)
	if n == 1 {
		current.RawSetInt(1, L.Get(-1))
	}
	return n
}

// ioWrite is io.write(...): luastd's while the default output is
// io.stdout, gopher-lua's otherwise.
func (f *stdoutFile) ioWrite(L *lua.LState, current *lua.LTable, orig lua.LGFunction) int {
	if !f.is(current.RawGetInt(1)) {
		return orig(L)
	}
	return f.writeArgs(L, 1, 0)
}

// ioFlush is io.flush(): luastd's while the default output is io.stdout,
// gopher-lua's otherwise.
func (f *stdoutFile) ioFlush(L *lua.LState, current *lua.LTable, orig lua.LGFunction) int {
	if !f.is(current.RawGetInt(1)) {
		return orig(L)
	}
	return f.flushWriter(L)
}

// ioClose is io.close([file]): the standard files (io.stdout, given or
// the default output, io.stdin and io.stderr) cannot be closed, as in Lua
// 5.1; other files are gopher-lua's.
func (f *stdoutFile) ioClose(L *lua.LState, current *lua.LTable, orig lua.LGFunction) int {
	target := L.Get(1)
	if L.GetTop() == 0 {
		target = current.RawGetInt(1)
	}
	if !f.is(target) && !f.isStd(target) {
		return orig(L)
	}
	return noClose(L)
}

// write is f:write(...).
func (f *stdoutFile) write(L *lua.LState) int { return f.writeArgs(L, 2, 1) }

// writeArgs writes arguments first.. of L, each a string or a number (as
// "%.14g"), in order; a bad one raises an argument error numbered minus
// shift, after the ones before it were written, as Lua 5.1's g_write
// does. It returns true, or nil, a message and an error number once the
// writer fails (the rest is not written).
func (f *stdoutFile) writeArgs(L *lua.LState, first, shift int) int {
	w := f.s.Writer()
	var err error
	for i := first; i <= L.GetTop(); i++ {
		var s string
		switch v := L.Get(i).(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = numberString(v)
		default:
			argError(L, i-shift, "write", "string expected, got "+typeName(L, i))
		}
		if err == nil {
			_, err = io.WriteString(w, s)
		}
	}
	if err != nil {
		return failure(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// flush is f:flush().
func (f *stdoutFile) flush(L *lua.LState) int { return f.flushWriter(L) }

// flushWriter flushes the writer when it has a Flush method (a
// bufio.Writer, an http.ResponseWriter) and returns true, or nil, a
// message and an error number.
func (f *stdoutFile) flushWriter(L *lua.LState) int {
	switch w := f.s.Writer().(type) {
	case interface{ Flush() error }:
		if err := w.Flush(); err != nil {
			return failure(L, err)
		}
	case interface{ Flush() }:
		w.Flush()
	}
	L.Push(lua.LTrue)
	return 1
}

// close is f:close() of io.stdout.
func (f *stdoutFile) close(L *lua.LState) int { return noClose(L) }

func noClose(L *lua.LState) int {
	L.Push(lua.LNil)
	L.Push(lua.LString("cannot close standard file"))
	return 2
}

// read is f:read(...) of io.stdout, which is not readable: Lua 5.1
// reading a stream opened for writing.
func (f *stdoutFile) read(L *lua.LState) int {
	L.Push(lua.LNil)
	L.Push(lua.LString("Bad file descriptor"))
	L.Push(lua.LNumber(syscall.EBADF))
	return 3
}

// lines is f:lines() of io.stdout: an iterator that fails when called,
// as reading does.
func (f *stdoutFile) lines(L *lua.LState) int {
	L.Push(L.NewFunction(func(L *lua.LState) int {
		raise(L, "Bad file descriptor")
		return 0
	}))
	return 1
}

var (
	seekModes = []string{"set", "cur", "end"}
	vbufModes = []string{"no", "full", "line"}
)

// seek is f:seek([whence [, offset]]) of io.stdout, which is not seekable
// (a writer, like a pipe).
func (f *stdoutFile) seek(L *lua.LState) int {
	if L.Get(2) != lua.LNil {
		checkOption(L, 2, "seek", seekModes)
	}
	optMethodNumber(L, 3, "seek")
	L.Push(lua.LNil)
	L.Push(lua.LString("Illegal seek"))
	L.Push(lua.LNumber(syscall.ESPIPE))
	return 3
}

// setvbuf is f:setvbuf(mode [, size]) of io.stdout: the writer does its
// own buffering, so it checks its arguments and returns true.
func (f *stdoutFile) setvbuf(L *lua.LState) int {
	checkOption(L, 2, "setvbuf", vbufModes)
	optMethodNumber(L, 3, "setvbuf")
	L.Push(lua.LTrue)
	return 1
}

// checkOption is luaL_checkoption for argument n of the method fn (so
// numbered n-1 in messages).
func checkOption(L *lua.LState, n int, fn string, options []string) {
	v, ok := L.Get(n).(lua.LString)
	if !ok {
		if _, num := L.Get(n).(lua.LNumber); !num {
			argError(L, n-1, fn, "string expected, got "+typeName(L, n))
		}
		v = lua.LString(numberString(L.Get(n).(lua.LNumber)))
	}
	for _, o := range options {
		if string(v) == o {
			return
		}
	}
	argError(L, n-1, fn, "invalid option '"+string(v)+"'")
}

// optMethodNumber is luaL_optnumber for argument n of the method fn: nil,
// a number or a string that converts to one.
func optMethodNumber(L *lua.LState, n int, fn string) {
	switch v := L.Get(n).(type) {
	case *lua.LNilType, lua.LNumber:
		return
	case lua.LString:
		if _, ok := parseNumber(string(v)); ok {
			return
		}
	}
	argError(L, n-1, fn, "number expected, got "+typeName(L, n))
}

// typeName is Lua 5.1's name of argument n's type, "no value" past the
// last argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// failure returns a failed I/O call's results as Lua 5.1 gives them: nil,
// the message and the error number (0 when err carries none).
func failure(L *lua.LState, err error) int {
	var errno syscall.Errno
	n := 0
	if errors.As(err, &errno) {
		n = int(errno)
	}
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	L.Push(lua.LNumber(n))
	return 3
}
