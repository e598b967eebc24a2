package luastd

import (
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// posRelative turns a Lua string position (negative counts from the end)
// into a 1-based one, 0 when it falls before the start (Lua 5.1 posrelat).
func posRelative(pos, n int) int {
	if pos < 0 {
		pos += n + 1
	}
	if pos < 0 {
		return 0
	}
	return pos
}

// optInt is luaL_optint: arg n as an integer (truncated), or def.
func optInt(L *lua.LState, n, def int) int {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkInt(L, n)
}

// checkInt is luaL_checkint: arg n as a number truncated toward zero,
// clamped to the int range.
func checkInt(L *lua.LState, n int) int {
	f := float64(L.CheckNumber(n))
	switch {
	case f != f:
		return 0
	case f >= 1<<62:
		return 1 << 62
	case f <= -(1 << 62):
		return -(1 << 62)
	}
	return int(f)
}

// strFind is string.find(s, pattern [, init [, plain]]).
func strFind(L *lua.LState) int { return findAux(L, true) }

// strMatch is string.match(s, pattern [, init]).
func strMatch(L *lua.LState) int { return findAux(L, false) }

func findAux(L *lua.LState, find bool) int {
	s := L.CheckString(1)
	pat := L.CheckString(2)
	init := posRelative(optInt(L, 3, 1), len(s)) - 1
	if init < 0 {
		init = 0
	} else if init > len(s) {
		init = len(s)
	}
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(pat, specials)) {
		i := strings.Index(s[init:], pat)
		if i < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + i + 1))
		L.Push(lua.LNumber(init + i + len(pat)))
		return 2
	}
	m := newMatcher(L, s, pat)
	p := 0
	anchor := len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	for start := init; ; start++ {
		m.reset()
		if e := m.match(start, p); e >= 0 {
			if find {
				L.Push(lua.LNumber(start + 1))
				L.Push(lua.LNumber(e))
				return m.pushCaptures(-1, -1, false) + 2
			}
			return m.pushCaptures(start, e, true)
		}
		if anchor || start >= len(s) {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

// strGmatch is string.gmatch(s, pattern): an iterator over the matches.
// As in Lua 5.1, a leading '^' is no anchor here.
func strGmatch(L *lua.LState) int {
	s := L.CheckString(1)
	pat := L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m := newMatcher(L, s, pat)
		for start := pos; start <= len(s); start++ {
			m.reset()
			if e := m.match(start, 0); e >= 0 {
				pos = e
				if e == start {
					pos++ // an empty match: move on at least one byte
				}
				return m.pushCaptures(start, e, true)
			}
		}
		pos = len(s) + 1
		return 0
	}))
	return 1
}

// strGsub is string.gsub(s, pattern, repl [, n]): a copy of s with (the
// first n) matches replaced, and the number of matches. It runs in time
// linear in s and its result for a pattern that does not backtrack.
func strGsub(L *lua.LState) int {
	s := L.CheckString(1)
	pat := L.CheckString(2)
	repl := L.Get(3)
	switch repl.Type() {
	case lua.LTNumber, lua.LTString, lua.LTTable, lua.LTFunction:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	maxN := optInt(L, 4, len(s)+1)
	var replStr string
	if repl.Type() == lua.LTString || repl.Type() == lua.LTNumber {
		replStr = lua.LVAsString(repl)
		if repl.Type() == lua.LTNumber {
			replStr = numberString(repl.(lua.LNumber))
		}
	}
	p := 0
	anchor := len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	m := newMatcher(L, s, pat)
	b := newBuilder(L, "string.gsub")
	checkAlloc(L, "string.gsub", int64(len(s)))
	b.Grow(len(s)) // the result is most often about as long as s
	plainRepl := !strings.Contains(replStr, "%")
	n := 0
	src := 0
	for n < maxN {
		m.reset()
		e := m.match(src, p)
		if e >= 0 {
			n++
			switch repl.Type() {
			case lua.LTString, lua.LTNumber:
				if plainRepl {
					b.addString(replStr)
				} else {
					addReplacement(m, b, replStr, src, e)
				}
			default:
				addValue(m, b, repl, src, e)
			}
		}
		switch {
		case e > src:
			src = e
		case src < len(s):
			b.addByte(s[src])
			src++
		default:
			anchor = true // at the end: stop
		}
		if anchor {
			break
		}
	}
	b.addString(s[src:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

// addReplacement appends repl with %0-%9 replaced by captures of the
// match src[s:e] and %x by x. A '%' that ends repl stands for a zero
// byte, as in Lua 5.1, whose add_s reads the string's terminating NUL.
func addReplacement(m *matcher, b *builder, repl string, s, e int) {
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != patternEsc {
			b.addByte(c)
			continue
		}
		if i+1 == len(repl) {
			b.addByte(0)
			continue
		}
		i++
		c = repl[i]
		if c < '0' || c > '9' {
			b.addByte(c)
			continue
		}
		if c == '0' {
			b.addString(m.src[s:e])
			continue
		}
		b.addString(valueString(m.captureValue(int(c-'1'), s, e)))
	}
}

// addValue appends what a table or function gives for the match src[s:e]:
// false or nil keep the match as it is.
func addValue(m *matcher, b *builder, repl lua.LValue, s, e int) {
	L := m.L
	first := m.captureValue(0, s, e)
	var v lua.LValue
	switch r := repl.(type) {
	case *lua.LTable:
		v = L.GetTable(r, first)
	case *lua.LFunction:
		L.Push(r)
		n := m.pushCaptures(s, e, true)
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	}
	switch v.Type() {
	case lua.LTNil:
		b.addString(m.src[s:e])
	case lua.LTBool:
		if v == lua.LFalse {
			b.addString(m.src[s:e])
			return
		}
		raise(L, "invalid replacement value (a %s)", v.Type().String())
	case lua.LTString, lua.LTNumber:
		b.addString(valueString(v))
	default:
		raise(L, "invalid replacement value (a %s)", v.Type().String())
	}
}

// valueString is lua_tostring of a string or number.
func valueString(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return numberString(n)
	}
	return lua.LVAsString(v)
}

// builder builds a library function's string result, checking the run's
// memory cap before it grows and its context as it copies.
type builder struct {
	L    *lua.LState
	fn   string
	tick ticker
	buf  []byte
}

func newBuilder(L *lua.LState, fn string) *builder {
	return &builder{L: L, fn: fn, tick: newTicker(L)}
}

func (b *builder) Len() int { return len(b.buf) }

// Grow makes room for n more bytes.
func (b *builder) Grow(n int) {
	if len(b.buf)+n > cap(b.buf) {
		nb := make([]byte, len(b.buf), len(b.buf)+n)
		copy(nb, b.buf)
		b.buf = nb
	}
}

// need makes room for n more bytes, doubling the buffer (append grows
// large slices by only a quarter, copying them more often).
func (b *builder) need(n int) {
	if len(b.buf)+n <= cap(b.buf) {
		return
	}
	checkAlloc(b.L, b.fn, int64(len(b.buf))+int64(n))
	c := max(2*cap(b.buf), 64)
	if m := MemoryLimit(b.L.Context()); m > 0 && int64(c) > m {
		c = int(m) // no more than the cap allows; checkAlloc passed, so it fits
	}
	b.Grow(max(c, len(b.buf)+n) - len(b.buf))
}

func (b *builder) addByte(c byte) {
	b.need(1)
	b.tick.tick()
	b.buf = append(b.buf, c)
}

func (b *builder) addString(s string) {
	b.need(len(s))
	if len(s) <= 8 {
		// Short pieces, as most replacements are: skip memmove's call.
		b.tick.tick()
		for i := 0; i < len(s); i++ {
			b.buf = append(b.buf, s[i])
		}
		return
	}
	if len(s) <= copyPiece {
		b.tick.add(len(s)/64 + 1)
		b.buf = append(b.buf, s...)
		return
	}
	for len(s) > 0 { // a large copy looks at the context as it goes
		k := min(len(s), copyPiece)
		b.tick.check()
		b.buf = append(b.buf, s[:k]...)
		s = s[k:]
	}
}

// String returns the result; b must not be written to after.
func (b *builder) String() string {
	if len(b.buf) == 0 {
		return ""
	}
	return unsafe.String(&b.buf[0], len(b.buf))
}
