package luastd

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// concatFunc names concatenation in memory-limit errors, as MemoryError's
// Func.
const concatFunc = "concatenation"

// concatFrame names the frame of a .. chain's function in tracebacks and
// debug.getinfo: "[G]: in function '..'".
const concatFrame = ".."

// concatSite is one chain of .. operators in compiled source
// (a .. b .. c), which Compile turns into a call of the site's function
// with the operands as arguments.
type concatSite struct {
	// vars names each operand as Lua 5.1's error messages do ("local 'x'",
	// "global 'x'", "upvalue 'x'", "field 'x'", "field '?'"), or is "" for
	// a value that has no name (a constant, a call's result).
	vars []string
	fn   *lua.LFunction
}

func newConcatSite(vars []string) *concatSite {
	s := &concatSite{vars: vars}
	// One function per site, shared by every state that runs the chunk: it
	// holds nothing a call changes, and as a Go function its environment
	// can be neither read nor set from Lua.
	s.fn = &lua.LFunction{IsG: true, GFunction: s.concat}
	return s
}

// concat is OP_CONCAT of PUC Lua 5.1 (luaV_concat) over the arguments:
// strings and numbers (as "%.14g") are joined, right to left, as many at
// a time as are adjacent; any other pair goes to the __concat metamethod
// of its left operand, else of its right one, else raises Lua 5.1's
// "attempt to concatenate ..." error. A string is checked against the
// run's memory cap and MaxAlloc before it is built.
func (s *concatSite) concat(L *lua.LState) int {
	n := L.GetTop()
	if n == 2 { // the most common chain, a .. b, of two strings
		va, vb := L.Get(1), L.Get(2)
		a, okA := va.(lua.LString)
		b, okB := vb.(lua.LString)
		if okA && okB {
			switch {
			case len(b) == 0:
				L.Push(va)
			case len(a) == 0:
				L.Push(vb)
			case len(a)+len(b) <= copyPiece:
				checkAlloc(L, concatFunc, int64(len(a))+int64(len(b)))
				L.Push(lua.LString(string(a) + string(b)))
			default: // a large copy looks at the context as it goes
				L.Push(join(L, 1, 2, int64(len(a))+int64(len(b))))
			}
			return 1
		}
	}
	if n == 0 { // only a call from Lua, through the debug library, has none
		L.Push(lua.LString(""))
		return 1
	}
	// The common case: every operand is text, joined in one piece.
	var total int64
	var scratch [32]byte
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			total += int64(len(v))
		case lua.LNumber:
			total += int64(len(appendNumber(scratch[:0], v)))
		default:
			return s.general(L, n)
		}
	}
	L.Push(join(L, 1, n, total))
	return 1
}

// general is concat when some operand is neither a string nor a number.
func (s *concatSite) general(L *lua.LState, n int) int {
	var scratch [32]byte
	for top := n; top > 1; {
		a, b := L.Get(top-1), L.Get(top)
		if !isText(a) || !isText(b) {
			tm := L.GetMetaField(a, "__concat")
			if tm == lua.LNil {
				tm = L.GetMetaField(b, "__concat")
			}
			if tm == lua.LNil {
				s.typeError(L, top-1, a, b)
			}
			L.Push(tm)
			L.Push(a)
			L.Push(b)
			L.Call(2, 1)
			r := L.Get(-1)
			L.Pop(1)
			// As in Lua 5.1, the result takes the left operand's place
			// (and its name, should it be the operand of a later error).
			L.Replace(top-1, r)
			top--
			continue
		}
		first := top - 1
		for first > 1 && isText(L.Get(first-1)) {
			first--
		}
		var total int64
		for i := first; i <= top; i++ {
			if v, ok := L.Get(i).(lua.LString); ok {
				total += int64(len(v))
			} else {
				total += int64(len(appendNumber(scratch[:0], L.Get(i).(lua.LNumber))))
			}
		}
		L.Replace(first, join(L, first, top, total))
		top = first
	}
	L.SetTop(1)
	return 1
}

// typeError raises Lua 5.1's error (luaG_concaterror) for operands a and b
// at stack indexes i and i+1, of which at least one is not text: it names
// the first that is not.
func (s *concatSite) typeError(L *lua.LState, i int, a, b lua.LValue) {
	v := a
	if isText(a) {
		i, v = i+1, b
	}
	if i-1 < len(s.vars) && s.vars[i-1] != "" {
		raise(L, "attempt to concatenate %s (a %s value)", s.vars[i-1], v.Type().String())
	}
	raise(L, "attempt to concatenate a %s value", v.Type().String())
}

// isText reports whether v is a string or a number, which .. converts to
// text.
func isText(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

// join returns the text of the values at stack indexes from..to, all
// strings or numbers, whose length is total, after checking total against
// the run's memory cap.
func join(L *lua.LState, from, to int, total int64) lua.LString {
	if total == 0 {
		return ""
	}
	// A single non-empty string is the result as it is.
	only := lua.LString("")
	count := 0
	for i := from; i <= to && count < 2; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			if len(v) > 0 {
				only = v
				count++
			}
		default:
			count = 2
		}
	}
	if count == 1 {
		return only
	}
	checkAlloc(L, concatFunc, total)
	var b strings.Builder
	b.Grow(int(total))
	var scratch [32]byte
	var tk *ticker
	for i := from; i <= to; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			if len(v) <= copyPiece {
				b.WriteString(string(v))
				continue
			}
			// A large copy looks at the context as it goes.
			if tk == nil {
				t := newTicker(L)
				tk = &t
			}
			writeChecked(&b, string(v), tk)
		case lua.LNumber:
			b.Write(appendNumber(scratch[:0], v))
		}
	}
	return lua.LString(b.String())
}

// appendNumber appends n as Lua 5.1 writes a number ("%.14g"; inf, -inf,
// nan, -nan), as numberString does.
func appendNumber(dst []byte, n lua.LNumber) []byte {
	f := float64(n)
	switch {
	case f == math.Trunc(f) && math.Abs(f) < 1e14 && !(f == 0 && math.Signbit(f)):
		return strconv.AppendInt(dst, int64(f), 10)
	case math.IsInf(f, 0) || math.IsNaN(f):
		return append(dst, numberString(n)...)
	}
	return strconv.AppendFloat(dst, f, 'g', 14, 64)
}
