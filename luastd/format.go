package luastd

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// numberString formats n as Lua 5.1 does (LUA_NUMBER_FMT "%.14g"), with
// glibc's spelling of infinities and NaN ("inf", "-inf", "nan", "-nan").
func numberString(n lua.LNumber) string {
	f := float64(n)
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case f == math.Trunc(f) && math.Abs(f) < 1e14 && !(f == 0 && math.Signbit(f)):
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// strRep is string.rep(s, n): n copies of s. The size is checked against
// the run's memory cap before anything is built.
func strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := checkInt(L, 2)
	if n <= 0 || len(s) == 0 {
		L.Push(lua.LString(""))
		return 1
	}
	if n == 1 { // strings are immutable: s is its own copy
		L.Push(lua.LString(s))
		return 1
	}
	total := mulSize(int64(len(s)), int64(n))
	checkAlloc(L, "string.rep", total)
	var b strings.Builder
	b.Grow(int(total))
	t := newTicker(L)
	writeChecked(&b, s, &t)
	// Double what is built so far, a bounded piece at a time, looking at
	// the context between pieces.
	for b.Len() < int(total) {
		k := min(b.Len(), int(total)-b.Len(), copyPiece)
		b.WriteString(b.String()[:k])
		t.add(k/1024 + 1)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// strByte is string.byte(s [, i [, j]]): the codes of s[i..j].
func strByte(L *lua.LState) int {
	s := L.CheckString(1)
	i := posRelative(optInt(L, 2, 1), len(s))
	j := posRelative(optInt(L, 3, i), len(s))
	if i <= 0 {
		i = 1
	}
	if j > len(s) {
		j = len(s)
	}
	if i > j {
		return 0
	}
	n := j - i + 1
	if !checkCStack(L, L.GetTop(), n) {
		raise(L, "stack overflow (string slice too long)") // luaL_checkstack's message
	}
	growStack(L, n)
	t := newTicker(L)
	for k := 0; k < n; k++ {
		L.Push(lua.LNumber(s[i-1+k]))
		t.tick()
	}
	return n
}

// strChar is string.char(...): the string of the given byte codes.
func strChar(L *lua.LState) int {
	n := L.GetTop()
	checkAlloc(L, "string.char", int64(n))
	b := make([]byte, n)
	t := newTicker(L)
	for i := 1; i <= n; i++ {
		c := checkInt(L, i)
		if c < 0 || c > 255 {
			argError(L, i, "char", "invalid value")
		}
		b[i-1] = byte(c)
		t.tick()
	}
	L.Push(lua.LString(b))
	return 1
}

// strFormat is string.format(fmt, ...), with C printf's conversions as Lua
// 5.1 offers them: c d i o u x X e E f g G q s and %%.
func strFormat(L *lua.LState) int {
	format := L.CheckString(1)
	b := newBuilder(L, "string.format")
	arg := 1
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.addByte(c)
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			b.addByte('%')
			continue
		}
		// flags, width, precision
		start := i
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			i++
		}
		if i-start > 5 {
			raise(L, "invalid format (repeated flags)")
		}
		digits := func() {
			d := 0
			for i < len(format) && format[i] >= '0' && format[i] <= '9' {
				i++
				d++
			}
			if d > 2 {
				raise(L, "invalid format (width or precision too long)")
			}
		}
		digits()
		hasPrec := false
		if i < len(format) && format[i] == '.' {
			hasPrec = true
			i++
			digits()
		}
		arg++
		if arg > L.GetTop() {
			argError(L, arg, "format", "no value")
		}
		if i >= len(format) {
			raise(L, "invalid option '%%' to 'format'")
		}
		spec := format[start:i]
		conv := format[i]
		if strings.IndexByte("cdiouxXeEfgGqs", conv) < 0 {
			raise(L, "invalid option '%%%c' to 'format'", conv)
		}
		switch conv {
		case 'c':
			b.addString(padded(spec, string([]byte{byte(int64(checkNumberArg(L, arg, "format")))})))
		case 'd', 'i':
			n := toCLong(L, arg)
			b.addString(fmt.Sprintf("%"+spec+"d", n))
		case 'o', 'u', 'x', 'X':
			n := uint64(toCLong(L, arg))
			verb := conv
			if conv == 'u' {
				verb = 'd'
			}
			b.addString(fmt.Sprintf("%"+spec+string(verb), n))
		case 'e', 'E', 'f', 'g', 'G':
			f := checkNumberArg(L, arg, "format")
			if math.IsInf(f, 0) || math.IsNaN(f) {
				s := numberString(lua.LNumber(f))
				if conv == 'E' || conv == 'G' {
					s = strings.ToUpper(s)
				}
				if f > 0 && strings.Contains(spec, "+") {
					s = "+" + s
				}
				b.addString(padded(strings.ReplaceAll(spec, "0", ""), s))
				continue
			}
			if !hasPrec {
				spec += ".6"
			}
			b.addString(fmt.Sprintf("%"+spec+string(conv), f))
		case 'q':
			addQuoted(b, L.CheckString(arg))
		case 's':
			var s string
			if n, ok := L.Get(arg).(lua.LNumber); ok {
				s = numberString(n)
			} else {
				s = L.CheckString(arg)
			}
			if !hasPrec && len(s) >= 100 {
				b.addString(s) // as Lua 5.1: no formatting of long strings
				continue
			}
			if p, ok := precision(spec); ok && p < len(s) {
				s = s[:p]
			}
			b.addString(padded(spec, s))
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// toCLong is (long)luaL_checknumber(L, arg): truncation toward zero.
func toCLong(L *lua.LState, arg int) int64 {
	f := checkNumberArg(L, arg, "format")
	if f != f || f >= 1<<63 || f < -(1<<63) {
		return math.MinInt64 // what x86-64 gives for an out-of-range cast
	}
	return int64(f)
}

// padded applies the width and '-' flag of spec to s.
func padded(spec, s string) string {
	left := strings.Contains(spec, "-")
	w := 0
	for _, c := range strings.TrimLeft(spec, "-+ #0") {
		if c == '.' {
			break
		}
		w = w*10 + int(c-'0')
	}
	if len(s) >= w {
		return s
	}
	pad := strings.Repeat(" ", w-len(s))
	if left {
		return s + pad
	}
	return pad + s
}

// precision returns the precision of spec, if it has one.
func precision(spec string) (int, bool) {
	i := strings.IndexByte(spec, '.')
	if i < 0 {
		return 0, false
	}
	p := 0
	for _, c := range spec[i+1:] {
		p = p*10 + int(c-'0')
	}
	return p, true
}

// addQuoted writes s as a Lua string literal that reads back as s, the way
// Lua 5.1's %q does.
func addQuoted(b *builder, s string) {
	b.addByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.addByte('\\')
			b.addByte(c)
		case '\r':
			b.addString("\\r")
		case 0:
			b.addString("\\000")
		default:
			b.addByte(c)
		}
	}
	b.addByte('"')
}

// strUpper is string.upper(s): s with ASCII letters in upper case, bytes
// past ASCII unchanged, as Lua 5.1's toupper in the C locale. The result
// is checked against the run's memory cap before it is built.
func strUpper(L *lua.LState) int { return mapBytes(L, "string.upper", upperByte) }

// strLower is string.lower(s), as strUpper.
func strLower(L *lua.LState) int { return mapBytes(L, "string.lower", lowerByte) }

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c - 'A' + 'a'
	}
	return c
}

// mapBytes pushes a copy of argument 1 with f applied to each byte.
func mapBytes(L *lua.LState, fn string, f func(byte) byte) int {
	s := checkStringArg(L, 1, fn)
	checkAlloc(L, fn, int64(len(s)))
	out := make([]byte, len(s))
	t := newTicker(L)
	for i := 0; i < len(s); i++ {
		out[i] = f(s[i])
		if i&0xffff == 0xffff {
			t.add(64)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// strReverse is string.reverse(s), checked as strUpper. A long string is
// reversed a copyPiece at a time, looking at the run's context between
// pieces, into memory that is not zeroed first (zeroing hundreds of MiB
// takes as long as filling them, unchecked).
func strReverse(L *lua.LState) int {
	s := checkStringArg(L, 1, "string.reverse")
	checkAlloc(L, "string.reverse", int64(len(s)))
	if len(s) <= copyPiece {
		out := make([]byte, len(s))
		for i, j := 0, len(s)-1; j >= 0; i, j = i+1, j-1 {
			out[i] = s[j]
		}
		L.Push(lua.LString(out))
		return 1
	}
	var b strings.Builder
	b.Grow(len(s))
	t := newTicker(L)
	var buf [4096]byte // divides copyPiece
	for j := len(s); j > 0; {
		k := min(j, len(buf))
		for i := range k {
			buf[i] = s[j-1-i]
		}
		b.Write(buf[:k])
		j -= k
		if b.Len()%copyPiece == 0 {
			t.check()
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// checkStringArg is luaL_checkstring for argument n of the library
// function fn ("string.upper"): a string, or a number as text.
func checkStringArg(L *lua.LState, n int, fn string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return numberString(v)
	}
	// Raised as gopher-lua raises argument errors, so that the message
	// names the function as its caller does (see argErrorText).
	L.ArgError(n, "string expected, got "+typeName(L, n))
	return ""
}
