package luamod

import (
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// A Lua string value is an interface pointing to a string header, and
// lua.LString(s) allocates that header on its own. newLString makes the
// header and a copy of the bytes one allocation instead: a store read that
// copies a short value out (backends.BufferGetter) then costs one
// allocation, the same as a read that shares the store's bytes, and leaves
// the store's copy free for the next write to reuse.

// The interface word that says "lua.LString" in a lua.LValue.
var lstringTab = ifaceWords(lua.LString("")).tab

type iface struct{ tab, data unsafe.Pointer }

func ifaceWords(v lua.LValue) iface { return *(*iface)(unsafe.Pointer(&v)) }

// boxedString is a string header with room for the bytes it points to.
type boxedString[B any] struct {
	s string
	b B
}

// maxBoxed is the longest string newLString copies into one allocation.
const maxBoxed = 48

// newLString returns a Lua string with a copy of s. Strings longer than
// maxBoxed bytes take two allocations, as lua.LString(strings.Clone(s))
// would. s may alias memory the caller reuses.
func newLString(s string) lua.LValue {
	var h *string
	switch n := len(s); {
	case n == 0:
		return lua.LString("")
	case n <= 8:
		h = box(new(boxedString[[8]byte]), s)
	case n <= 16:
		h = box(new(boxedString[[16]byte]), s)
	case n <= 32:
		h = box(new(boxedString[[32]byte]), s)
	case n <= maxBoxed:
		h = box(new(boxedString[[maxBoxed]byte]), s)
	default:
		return lua.LString(strings.Clone(s))
	}
	var v lua.LValue
	*(*iface)(unsafe.Pointer(&v)) = iface{lstringTab, unsafe.Pointer(h)}
	return v
}

// box copies s into o's room and points o's header at it.
func box[B any](o *boxedString[B], s string) *string {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&o.b)), unsafe.Sizeof(o.b))
	o.s = unsafe.String(&b[0], copy(b, s))
	return &o.s
}
