package luastd

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns (the reference manual, §5.4.1), matched by a
// backtracking matcher with PUC Lua's semantics. A pattern without
// quantifiers that can backtrack matches in time linear in the subject; one
// that backtracks looks at the run's context as it goes.

const (
	maxCaptures = 32
	// maxMatchDepth bounds the matcher's recursion (one level per
	// quantifier or capture being tried), as Lua 5.2 does.
	maxMatchDepth = 200
	capUnfinished = -1
	capPosition   = -2
	patternEsc    = '%'
	// specials are the bytes that make a pattern more than plain text.
	specials = "^$*+?.([%-"
)

type capture struct {
	init, len int
}

// matcher is one match of pat against src.
type matcher struct {
	L     *lua.LState
	tick  ticker
	src   string
	pat   string
	level int
	depth int
	caps  [maxCaptures]capture
}

func newMatcher(L *lua.LState, src, pat string) *matcher {
	return &matcher{L: L, tick: newTicker(L), src: src, pat: pat}
}

// reset prepares m for a match at a new position.
func (m *matcher) reset() {
	m.level = 0
	m.depth = 0
}

func (m *matcher) fail(msg string) {
	raise(m.L, "%s", msg)
}

// classEnd returns the index just past the single-character class at p.
func (m *matcher) classEnd(p int) int {
	pat := m.pat
	c := pat[p]
	p++
	switch c {
	case patternEsc:
		if p >= len(pat) {
			m.fail("malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if p < len(pat) && pat[p] == '^' {
			p++
		}
		// The first byte of a set is taken as is, so "[]]" holds ']'.
		for {
			if p >= len(pat) {
				m.fail("malformed pattern (missing ']')")
			}
			c := pat[p]
			p++
			if c == patternEsc {
				if p >= len(pat) {
					m.fail("malformed pattern (missing ']')")
				}
				p++
			}
			if p < len(pat) && pat[p] == ']' {
				return p + 1
			}
			if p >= len(pat) {
				m.fail("malformed pattern (missing ']')")
			}
		}
	}
	return p
}

// classMatches reports whether c is in the class %cl (C locale).
func classMatches(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = c >= '0' && c <= '9'
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = isPunct(c)
	case 's':
		res = c == ' ' || (c >= '\t' && c <= '\r')
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = isAlpha(c) || (c >= '0' && c <= '9')
	case 'x':
		res = (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if cl >= 'A' && cl <= 'Z' {
		return !res
	}
	return res
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isPunct(c byte) bool {
	return c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9')
}

// setMatches reports whether c is in the set pat[p:ec], where pat[p] is
// '[' and pat[ec] its closing ']'.
func (m *matcher) setMatches(c byte, p, ec int) bool {
	pat := m.pat
	in := true
	if pat[p+1] == '^' {
		in = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case pat[p] == patternEsc:
			p++
			if classMatches(c, pat[p]) {
				return in
			}
		case pat[p+1] == '-' && p+2 < ec:
			p += 2
			if pat[p-2] <= c && c <= pat[p] {
				return in
			}
		case pat[p] == c:
			return in
		}
	}
	return !in
}

// single reports whether src[s] exists and matches the class pat[p:ep].
func (m *matcher) single(s, p, ep int) bool {
	if s >= len(m.src) {
		return false
	}
	c := m.src[s]
	switch m.pat[p] {
	case '.':
		return true
	case patternEsc:
		return classMatches(c, m.pat[p+1])
	case '[':
		return m.setMatches(c, p, ep-1)
	}
	return m.pat[p] == c
}

// match matches pat[p:] at src[s:] and returns the end of the match, or
// -1.
func (m *matcher) match(s, p int) int {
	m.depth++
	if m.depth > maxMatchDepth {
		m.fail("pattern too complex")
	}
	r := m.doMatch(s, p)
	m.depth--
	return r
}

func (m *matcher) doMatch(s, p int) int {
	pat := m.pat
	for {
		m.tick.tick()
		if p >= len(pat) {
			return s
		}
		switch pat[p] {
		case '(':
			if p+1 < len(pat) && pat[p+1] == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '$':
			if p+1 == len(pat) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		case patternEsc:
			if p+1 < len(pat) {
				switch c := pat[p+1]; {
				case c == 'b':
					s = m.balance(s, p+2)
					if s < 0 {
						return -1
					}
					p += 4
					continue
				case c == 'f':
					p += 2
					if p >= len(pat) || pat[p] != '[' {
						m.fail("missing '[' after '%f' in pattern")
					}
					ep := m.classEnd(p)
					var prev, cur byte
					if s > 0 {
						prev = m.src[s-1]
					}
					if s < len(m.src) {
						cur = m.src[s]
					}
					if m.setMatches(prev, p, ep-1) || !m.setMatches(cur, p, ep-1) {
						return -1
					}
					p = ep
					continue
				case c >= '0' && c <= '9':
					s = m.backReference(s, c)
					if s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		}
		// A single-character class, maybe with a quantifier.
		ep := m.classEnd(p)
		ok := m.single(s, p, ep)
		if ep < len(pat) {
			switch pat[ep] {
			case '?':
				if ok {
					if r := m.match(s+1, ep+1); r >= 0 {
						return r
					}
				}
				p = ep + 1
				continue
			case '*':
				return m.maxExpand(s, p, ep)
			case '+':
				if !ok {
					return -1
				}
				return m.maxExpand(s+1, p, ep)
			case '-':
				return m.minExpand(s, p, ep)
			}
		}
		if !ok {
			return -1
		}
		s++
		p = ep
	}
}

func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for m.single(s+i, p, ep) {
		i++
		m.tick.tick()
	}
	for ; i >= 0; i-- {
		if r := m.match(s+i, ep+1); r >= 0 {
			return r
		}
	}
	return -1
}

func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if r := m.match(s, ep+1); r >= 0 {
			return r
		}
		if !m.single(s, p, ep) {
			return -1
		}
		s++
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= maxCaptures {
		m.fail("too many captures")
	}
	m.caps[m.level] = capture{init: s, len: what}
	m.level++
	r := m.match(s, p)
	if r < 0 {
		m.level--
	}
	return r
}

func (m *matcher) endCapture(s, p int) int {
	l := -1
	for i := m.level - 1; i >= 0; i-- {
		if m.caps[i].len == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		m.fail("invalid pattern capture")
	}
	m.caps[l].len = s - m.caps[l].init
	r := m.match(s, p)
	if r < 0 {
		m.caps[l].len = capUnfinished
	}
	return r
}

// balance matches %bxy, whose x is at pat[p], at src[s:].
func (m *matcher) balance(s, p int) int {
	if p+1 >= len(m.pat) {
		m.fail("unbalanced pattern")
	}
	if s >= len(m.src) || m.src[s] != m.pat[p] {
		return -1
	}
	open, close := m.pat[p], m.pat[p+1]
	depth := 1
	for s++; s < len(m.src); s++ {
		m.tick.tick()
		switch m.src[s] {
		case close:
			depth--
			if depth == 0 {
				return s + 1
			}
		case open:
			depth++
		}
	}
	return -1
}

// backReference matches %1-%9, whose digit is c, at src[s:]. A position
// capture matches nothing: Lua 5.1 compares the rest of the subject's
// length with the capture's length, -2, as a size_t, which is never
// large enough.
func (m *matcher) backReference(s int, c byte) int {
	l := m.checkCapture(c)
	n := m.caps[l].len
	if n < 0 {
		return -1
	}
	start := m.caps[l].init
	if len(m.src)-s >= n && m.src[start:start+n] == m.src[s:s+n] {
		m.tick.add(n)
		return s + n
	}
	return -1
}

func (m *matcher) checkCapture(c byte) int {
	l := int(c) - '1'
	if l < 0 || l >= m.level || m.caps[l].len == capUnfinished {
		m.fail("invalid capture index")
	}
	return l
}

// captureValue returns capture i of a match src[s:e]: capture 0 is the
// whole match when the pattern has no captures.
func (m *matcher) captureValue(i, s, e int) lua.LValue {
	if i >= m.level {
		if i != 0 {
			m.fail("invalid capture index")
		}
		return lua.LString(m.src[s:e])
	}
	c := m.caps[i]
	switch c.len {
	case capUnfinished:
		m.fail("unfinished capture")
	case capPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(m.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures of the match src[s:e] (the whole match
// when there are none, if wholeIfNone) and returns how many it pushed.
func (m *matcher) pushCaptures(s, e int, wholeIfNone bool) int {
	n := m.level
	if n == 0 && wholeIfNone {
		n = 1
	}
	for i := 0; i < n; i++ {
		m.L.Push(m.captureValue(i, s, e))
	}
	return n
}
