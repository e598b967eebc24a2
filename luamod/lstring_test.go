package luamod

import (
	"runtime"
	"strings"
	"testing"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// TestNewLString checks that strings made by newLString are Lua strings
// like any other: equal to lua.LString of the same bytes, usable as table
// keys, independent of the bytes they were made from, and intact after
// collections.
func TestNewLString(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var made []lua.LValue
	var want []string
	for _, n := range []int{0, 1, 5, 15, 16, 17, 31, 32, 33, 47, 48, 49, 1000} {
		src := []byte(strings.Repeat("ab\x00\xff", n)[:n])
		s := string(src)
		v := newLString(unsafe.String(unsafe.SliceData(src), len(src)))
		for i := range src {
			src[i] = 'X' // the value must not share src
		}
		if v.Type() != lua.LTString || v.String() != s {
			t.Errorf("len %d: got %v %q, want string %q", n, v.Type(), v.String(), s)
		}
		if ls, ok := v.(lua.LString); !ok || string(ls) != s {
			t.Errorf("len %d: type assertion gives %q, %v", n, ls, ok)
		}
		if v != lua.LValue(lua.LString(s)) {
			t.Errorf("len %d: not == to lua.LString of the same bytes", n)
		}
		tb := L.NewTable()
		tb.RawSet(v, lua.LNumber(n))
		if got := tb.RawGet(lua.LString(s)); got != lua.LNumber(n) {
			t.Errorf("len %d: as a table key, found %v by an equal string", n, got)
		}
		made, want = append(made, v), append(want, s)
	}
	for range 3 {
		runtime.GC()
		_ = make([]byte, 1<<20) // reuse freed memory, if any was freed wrongly
	}
	for i, v := range made {
		if v.String() != want[i] {
			t.Errorf("after collections, string %d is %q, want %q", i, v.String(), want[i])
		}
	}
	L.SetGlobal("s", newLString("hello"))
	if err := L.DoString(`assert(s == "hello" and #s == 5 and s:upper() == "HELLO" and type(s) == "string")`); err != nil {
		t.Error(err)
	}
}

// TestNewLStringAllocs checks the point of newLString: one allocation for
// a short string, where lua.LString(string(b)) takes two.
func TestNewLStringAllocs(t *testing.T) {
	b := "value"
	var sink lua.LValue
	if n := testing.AllocsPerRun(100, func() { sink = newLString(b) }); n != 1 {
		t.Errorf("newLString: %v allocations, want 1", n)
	}
	_ = sink
}
