package luastd

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// tabConcat is table.concat(t [, sep [, i [, j]]]). The result's size is
// known, and checked against the run's memory cap, before it is built.
func tabConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := optInt(L, 3, 1)
	j := optInt(L, 4, t.Len())
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	tk := newTicker(L)
	parts := make([]string, 0, min(j-i+1, 1<<16))
	var size int64
	for k := i; ; k++ {
		v := t.RawGetInt(k)
		switch v.Type() {
		case lua.LTString, lua.LTNumber:
		default:
			raise(L, "invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		s := valueString(v)
		parts = append(parts, s)
		size += int64(len(s))
		if k == j {
			break
		}
		size += int64(len(sep))
		if size > MaxAlloc {
			checkAlloc(L, "table.concat", size)
		}
		tk.tick()
	}
	checkAlloc(L, "table.concat", size)
	// strings.Builder does not zero what it allocates, which for a result
	// of hundreds of MiB would take as long as copying it, unchecked.
	var b strings.Builder
	b.Grow(int(size))
	add := func(s string) {
		if len(s) > copyPiece {
			writeChecked(&b, s, &tk)
			return
		}
		b.WriteString(s)
		tk.add(len(s)/64 + 1)
	}
	for n, s := range parts {
		if n > 0 {
			add(sep)
		}
		add(s)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// tabInsert is table.insert(t, [pos,] v).
func tabInsert(L *lua.LState) int {
	t := L.CheckTable(1)
	e := t.Len() + 1
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = checkInt(L, 2)
		if pos > e {
			e = pos
		}
		tk := newTicker(L)
		for i := e; i > pos; i-- {
			t.RawSetInt(i, t.RawGetInt(i-1))
			tk.tick()
		}
	default:
		raise(L, "wrong number of arguments to 'insert'")
	}
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

// tabRemove is table.remove(t [, pos]): removes and returns t[pos]
// (default the last element), shifting down the ones after it.
func tabRemove(L *lua.LState) int {
	t := L.CheckTable(1)
	e := t.Len()
	if e == 0 {
		return 0
	}
	pos := optInt(L, 2, e)
	if pos < 1 || pos > e {
		return 0
	}
	v := t.RawGetInt(pos)
	tk := newTicker(L)
	for ; pos < e; pos++ {
		t.RawSetInt(pos, t.RawGetInt(pos+1))
		tk.tick()
	}
	t.RawSetInt(e, lua.LNil)
	L.Push(v)
	return 1
}

// sorter sorts t[1..n] in place with Lua 5.1's algorithm (quicksort,
// median of three), so that elements that compare equal end up where Lua
// 5.1 puts them.
type sorter struct {
	L    *lua.LState
	t    *lua.LTable
	less lua.LValue // nil: the < operator
	tick ticker
}

// tabSort is table.sort(t [, comp]).
func tabSort(L *lua.LState) int {
	t := L.CheckTable(1)
	n := t.Len()
	s := &sorter{L: L, t: t, tick: newTicker(L)}
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		s.less = L.CheckFunction(2)
	}
	s.sort(1, n)
	return 0
}

func (s *sorter) get(i int) lua.LValue { return s.t.RawGetInt(i) }

func (s *sorter) set(i int, v lua.LValue) { s.t.RawSetInt(i, v) }

func (s *sorter) lt(a, b lua.LValue) bool {
	s.tick.tick()
	if s.less == nil {
		return s.L.LessThan(a, b)
	}
	s.L.Push(s.less)
	s.L.Push(a)
	s.L.Push(b)
	s.L.Call(2, 1)
	r := lua.LVAsBool(s.L.Get(-1))
	s.L.Pop(1)
	return r
}

func (s *sorter) swap(i, j int) {
	a, b := s.get(i), s.get(j)
	s.set(i, b)
	s.set(j, a)
}

func (s *sorter) sort(lo, hi int) {
	for lo < hi {
		// Order t[lo], t[mid], t[hi] and use the middle one as pivot.
		if s.lt(s.get(hi), s.get(lo)) {
			s.swap(lo, hi)
		}
		if hi-lo == 1 {
			return
		}
		mid := (lo + hi) / 2
		if s.lt(s.get(mid), s.get(lo)) {
			s.swap(mid, lo)
		} else if s.lt(s.get(hi), s.get(mid)) {
			s.swap(mid, hi)
		}
		if hi-lo == 2 {
			return
		}
		pivot := s.get(mid)
		s.swap(mid, hi-1) // park the pivot next to the end
		i, j := lo, hi-1
		for {
			for i++; s.lt(s.get(i), pivot); i++ {
				if i > hi {
					raise(s.L, "invalid order function for sorting")
				}
			}
			for j--; s.lt(pivot, s.get(j)); j-- {
				if j < lo {
					raise(s.L, "invalid order function for sorting")
				}
			}
			if j < i {
				break
			}
			s.swap(i, j)
		}
		s.swap(hi-1, i)
		// Recurse into the smaller part, loop on the larger one.
		if i-lo < hi-i {
			s.sort(lo, i-1)
			lo = i + 1
		} else {
			s.sort(i+1, hi)
			hi = i - 1
		}
	}
}
