package luastd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// ToString is Lua 5.1's tostring(v): __tostring if v's metatable has it,
// numbers as "%.14g" (inf, -inf, nan), other values as gopher-lua names
// them.
func ToString(L *lua.LState, v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return numberString(n)
	}
	if mt, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
		L.Push(mt)
		L.Push(v)
		L.Call(1, 1)
		r := L.Get(-1)
		L.Pop(1)
		switch r := r.(type) {
		case lua.LString:
			return string(r)
		case lua.LNumber:
			return numberString(r)
		}
		raise(L, "'__tostring' must return a string")
	}
	return v.String()
}

// baseToString is tostring(v).
func baseToString(L *lua.LState) int {
	L.CheckAny(1)
	L.Push(lua.LString(ToString(L, L.Get(1))))
	return 1
}

// basePrint is print(...): its arguments as tostring gives them, separated
// by tabs, and a newline, to standard output.
func basePrint(L *lua.LState) int { return printTo(L, os.Stdout) }

// Print returns print(...) writing to w instead of standard output: its
// arguments as the global tostring gives them, tab-separated, and a
// newline, as in Lua 5.1.
func Print(w io.Writer) lua.LGFunction {
	return func(L *lua.LState) int { return printTo(L, w) }
}

func printTo(L *lua.LState, w io.Writer) int {
	var b strings.Builder
	top := L.GetTop()
	tostring := L.GetGlobal("tostring")
	for i := 1; i <= top; i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		if fn, ok := tostring.(*lua.LFunction); ok && !fn.IsG {
			L.Push(fn)
			L.Push(L.Get(i))
			L.Call(1, 1)
			r := L.Get(-1)
			L.Pop(1)
			if r.Type() != lua.LTString && r.Type() != lua.LTNumber {
				L.RaiseError("'tostring' must return a string to 'print'")
			}
			b.WriteString(valueString(r))
			continue
		}
		b.WriteString(ToString(L, L.Get(i)))
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
	return 0
}

// baseUnpack is unpack(t [, i [, j]]): t[i], ..., t[j].
func baseUnpack(L *lua.LState) int {
	t := L.CheckTable(1)
	i := optInt(L, 2, 1)
	j := optInt(L, 3, t.Len())
	if i > j {
		return 0
	}
	n := j - i + 1
	if n <= 0 || !checkCStack(L, L.GetTop(), n) { // n <= 0: the count overflowed
		raise(L, "too many results to unpack")
	}
	growStack(L, n)
	tk := newTicker(L)
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(k))
		tk.tick()
	}
	return n
}

// baseSelect is select(n, ...): the arguments after the n-th, or their
// count for select('#', ...).
func baseSelect(L *lua.LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && strings.HasPrefix(string(s), "#") {
		L.Push(lua.LNumber(n - 1))
		return 1
	}
	i := checkInt(L, 1)
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		L.ArgError(1, "index out of range")
	}
	return n - i
}

// Lua 5.1's room for a chunk name in messages: LUA_IDSIZE in run-time
// errors and tracebacks, MAXSRC (llex.c) in syntax errors.
const (
	runtimeIDSize = 60
	syntaxIDSize  = 80
)

// chunkID is how Lua 5.1 shows a chunk name in messages (luaO_chunkid)
// with idSize bytes of room: "=name" as name, "@file" as file (its end,
// after "...", when long), source text as [string "first line"]. The
// name ends at a NUL byte, as a C string does.
func chunkID(name string, idSize int) string {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	switch {
	case strings.HasPrefix(name, "="):
		return truncate(name[1:], idSize-1)
	case strings.HasPrefix(name, "@"):
		name = name[1:]
		if room := idSize - len(" '...' ") - 1; len(name) > room {
			return "..." + name[len(name)-room:]
		}
		return name
	}
	line := name
	if i := strings.IndexAny(line, "\n\r"); i >= 0 {
		line = line[:i]
	}
	if room := idSize - len(` [string "..."] `) - 1; len(line) > room {
		line = line[:room]
	}
	if len(line) < len(name) {
		return `[string "` + line + `..."]`
	}
	return `[string "` + line + `"]`
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// loadResult pushes fn, or nil and the error's text, and returns their
// count.
func loadResult(L *lua.LState, fn *lua.LFunction, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

// baseLoadString is loadstring(s [, chunkname]).
func baseLoadString(L *lua.LState) int {
	src := L.CheckString(1)
	name := L.OptString(2, src)
	fn, err := loadChunk(L, src, name)
	return loadResult(L, fn, err)
}

// baseLoad is load(f [, chunkname]): the chunk whose pieces f returns, up
// to a nil or empty string.
func baseLoad(L *lua.LState) int {
	if s, ok := L.Get(1).(lua.LString); ok { // as Lua 5.2; 5.1 wants a function
		fn, err := loadChunk(L, string(s), L.OptString(2, string(s)))
		return loadResult(L, fn, err)
	}
	reader := L.CheckFunction(1)
	name := L.OptString(2, "=(load)")
	var b strings.Builder
	for {
		Check(L)
		L.Push(reader)
		L.Call(0, 1)
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		s, ok := piece.(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			L.Push(lua.LString("reader function must return a string"))
			return 2
		}
		if len(s) == 0 {
			break
		}
		checkAlloc(L, "load", int64(b.Len())+int64(len(s)))
		b.WriteString(string(s))
	}
	fn, err := loadChunk(L, b.String(), name)
	return loadResult(L, fn, err)
}

// readChunkFile reads a Lua source file (standard input for ""),
// dropping a first line that starts with '#' as the lua command does. It
// returns the chunk's Lua 5.1 name ("@path" or "=stdin"), and on failure
// luaL_loadfile's message: "cannot open path: No such file or directory".
func readChunkFile(L *lua.LState, path string) (string, string, error) {
	name := "=stdin"
	var r io.Reader = os.Stdin
	if path != "" {
		name = "@" + path
		f, err := os.Open(path)
		if err != nil {
			return "", name, fileError("open", path, err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			checkAlloc(L, "load", fi.Size())
		}
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", name, fileError("read", name[1:], err)
	}
	src := string(data)
	if strings.HasPrefix(src, "#") {
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			src = "--" + src[i:] // keep line numbers
		} else {
			src = ""
		}
	}
	return src, name, nil
}

// fileError is luaL_loadfile's "cannot open name: reason", with the
// reason as C's strerror words it ("No such file or directory").
func fileError(what, name string, err error) error {
	var errno syscall.Errno
	reason := err.Error()
	if errors.As(err, &errno) {
		reason = errno.Error()
		if r, size := utf8.DecodeRuneInString(reason); size > 0 {
			reason = string(unicode.ToUpper(r)) + reason[size:]
		}
	}
	return fmt.Errorf("cannot %s %s: %s", what, name, reason)
}

// baseLoadFile is loadfile([filename]).
func baseLoadFile(L *lua.LState) int {
	path := L.OptString(1, "")
	src, name, err := readChunkFile(L, path)
	if err != nil {
		return loadResult(L, nil, err)
	}
	fn, err := loadChunk(L, src, name)
	return loadResult(L, fn, err)
}

// baseDoFile is dofile([filename]): runs the file and returns its results;
// its errors are raised, a syntax error with no position of dofile's
// caller, as in Lua 5.1.
func baseDoFile(L *lua.LState) int {
	path := L.OptString(1, "")
	src, name, err := readChunkFile(L, path)
	if err == nil {
		var fn *lua.LFunction
		if fn, err = loadChunk(L, src, name); err == nil {
			top := L.GetTop()
			L.Push(fn)
			L.Call(0, lua.MultRet)
			return L.GetTop() - top
		}
	}
	L.Error(lua.LString(err.Error()), 0)
	return 0
}

// baseError is error(message [, level]): a string message gets the
// position of the function at level (1, the caller of error, by default)
// when that is Lua code, as in Lua 5.1.
func baseError(L *lua.LState) int {
	msg := L.Get(1) // error() raises nil, as in Lua 5.1
	level := optInt(L, 2, 1)
	if s, ok := msg.(lua.LString); ok && level > 0 {
		if dbg, ok := L.GetStack(level); ok {
			if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
				msg = lua.LString(dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": " + string(s))
			}
		}
	}
	L.Error(msg, 0)
	return 0
}

// baseToNumber is tonumber(e [, base]): e as a number, or nil. In base 10
// e may be any Lua numeral (decimal, exponent, 0x hexadecimal); other
// bases, 2 to 36, take an unsigned integer.
func baseToNumber(L *lua.LState) int {
	L.CheckAny(1)
	v := L.Get(1)
	if L.Get(2) == lua.LNil || (L.Get(2).Type() == lua.LTNumber && L.CheckNumber(2) == 10) {
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := parseNumber(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	base := checkInt(L, 2)
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	s := strings.ToLower(strings.TrimSpace(valueString(v)))
	if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
		argError(L, 1, "tonumber", "string expected, got "+v.Type().String())
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil || s == "" {
		L.Push(lua.LNil)
		return 1
	}
	if neg {
		n = -n // as C's strtoul does
	}
	L.Push(lua.LNumber(float64(n)))
	return 1
}
