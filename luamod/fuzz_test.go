package luamod_test

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must not panic, must fail
// with a *DecodeError (or a *ValueError wrapping ErrInvalid, for a
// well-formed integer no Lua number holds), and what it accepts must
// survive Encode and Decode again unchanged.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"\xc3", "\x7f", "\xa3abc", "\xc4\x01\xff", "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x01",
		"\x93\x01\xc0\x03", "\x82\xa1a\x01\xc3\x90", "\x81\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xc2",
		"\xdc\x00\x02\x91\x90\x80", "\xd6\xff\x00\x00\x00\x00", "\x81\xce\x00\x10\x00\x01\xc3",
	} {
		f.Add([]byte(seed))
	}
	L := lua.NewState()
	defer L.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := luamod.Decode(L, b)
		if err != nil {
			var de *luamod.DecodeError
			var ve *luamod.ValueError
			if !errors.As(err, &de) && !(errors.As(err, &ve) && errors.Is(err, backends.ErrInvalid)) {
				t.Fatalf("Decode error %T %v, want a *DecodeError or a *ValueError", err, err)
			}
			return
		}
		enc, err := luamod.Encode(v)
		if err != nil {
			t.Fatalf("Decode accepted % x as %v, but Encode rejects it: %v", b, v, err)
		}
		v2, err := luamod.Decode(L, enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(% x))): %v", b, err)
		}
		if !same(v, v2) {
			t.Fatalf("Decode(% x) = %v, but after Encode and Decode it is %v", b, v, v2)
		}
	})
}

// FuzzRoundTrip builds a Lua value from the fuzz input, Encodes it, and
// checks the outcome against an independent judgement of whether the value
// is storable: storable values Decode to an equal value, others fail with
// a *ValueError wrapping backends.ErrInvalid.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{4, 3, 3, 1, 'a', 1, 7, 0, 1, 2, 8, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	f.Add([]byte{5, 3, 1, 1, 1, 2, 3, 2, 'h', 'i'})
	f.Add([]byte{4, 2, 0, 1, 6, 0, 2, 5, 1, 7})
	f.Add([]byte{5, 2, 5, 2, 6, 0, 6, 1, 6, 0})
	defer luamod.SetMaxElements(1 << 14)()
	L := lua.NewState()
	defer L.Close()
	f.Fuzz(func(t *testing.T, in []byte) {
		bd := &builder{in: in, L: L}
		v := bd.value(0)
		want := judge(v)
		b, err := luamod.Encode(v)
		if want != "" {
			var ve *luamod.ValueError
			if err == nil || !errors.As(err, &ve) || !errors.Is(err, backends.ErrInvalid) {
				t.Fatalf("Encode(%v) = %v, want a *ValueError (%s)", v, err, want)
			}
			return
		}
		if err != nil {
			t.Fatalf("Encode(%v): %v", v, err)
		}
		got, err := luamod.Decode(L, b)
		if err != nil {
			t.Fatalf("Decode(Encode(%v)) = %v (bytes % x)", v, err, b)
		}
		if !same(got, v) {
			t.Fatalf("Decode(Encode(%v)) = %v", v, got)
		}
	})
}

// builder turns fuzz bytes into a Lua value: nested tables with any kind
// of key, special numbers, binary strings, shared and cyclic references,
// and now and then a function.
type builder struct {
	in     []byte
	L      *lua.LState
	tables []*lua.LTable
}

func (b *builder) byte() byte {
	if len(b.in) == 0 {
		return 0
	}
	c := b.in[0]
	b.in = b.in[1:]
	return c
}

func (b *builder) u64() uint64 {
	var buf [8]byte
	n := copy(buf[:], b.in)
	b.in = b.in[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (b *builder) str() lua.LString {
	n := int(b.byte() % 40)
	n = min(n, len(b.in))
	s := lua.LString(b.in[:n])
	b.in = b.in[n:]
	return s
}

// value builds one value; depth bounds the recursion of the builder
// itself (references may still make cycles or deeper values).
func (b *builder) value(depth int) lua.LValue {
	switch op := b.byte() % 10; {
	case op == 0:
		return lua.LBool(b.byte()%2 == 1)
	case op == 1:
		return lua.LNumber(int8(b.byte()))
	case op == 2:
		return lua.LNumber(math.Float64frombits(b.u64()))
	case op == 3:
		return b.str()
	case op == 4 && depth < 120:
		t := b.L.NewTable()
		b.tables = append(b.tables, t)
		for n := b.byte() % 6; n > 0 && len(b.in) > 0; n-- {
			k := b.key()
			v := b.value(depth + 1)
			if k != lua.LNil && v != lua.LNil {
				t.RawSet(k, v)
			}
		}
		return t
	case op == 5 && depth < 120:
		t := b.L.NewTable()
		b.tables = append(b.tables, t)
		for n := b.byte() % 6; n > 0 && len(b.in) > 0; n-- {
			t.Append(b.value(depth + 1))
		}
		return t
	case op == 6 && len(b.tables) > 0:
		return b.tables[int(b.byte())%len(b.tables)]
	case op == 7:
		return b.L.NewFunction(func(*lua.LState) int { return 0 })
	case op == 8:
		return lua.LNumber(int64(b.u64()))
	case op == 9:
		return lua.LString(make([]byte, int(b.byte())*4))
	}
	return lua.LNumber(0)
}

func (b *builder) key() lua.LValue {
	switch b.byte() % 6 {
	case 0:
		return lua.LBool(b.byte()%2 == 1)
	case 1:
		return lua.LNumber(b.byte())
	case 2:
		// Up to 4095: gopher-lua pads integer keys into a dense array, and
		// the builder makes hundreds of tables.
		return lua.LNumber(binary.LittleEndian.Uint16([]byte{b.byte(), b.byte()}) % 4096)
	case 3:
		return lua.LNumber(math.Float64frombits(b.u64()))
	case 4:
		if len(b.tables) > 0 && b.byte()%8 == 0 {
			return b.tables[0] // a table key: not storable
		}
		return b.str()
	}
	return b.str()
}

// judge returns why v cannot be stored, or "" if it can: a direct
// restatement of the rules, independent of the encoder.
func judge(v lua.LValue) string {
	elems, holes := 0, 0
	var walk func(v lua.LValue, path []*lua.LTable) string
	walk = func(v lua.LValue, path []*lua.LTable) string {
		elems++
		if elems > 1<<14 {
			return "too many elements"
		}
		switch v := v.(type) {
		case lua.LBool, lua.LNumber, lua.LString:
			return ""
		case *lua.LTable:
			for _, p := range path {
				if p == v {
					return "cycle"
				}
			}
			if len(path) == luamod.MaxDepth {
				return "too deep"
			}
			path = append(path, v)
			maxInt, ints := 0, 0
			v.ForEach(func(k, _ lua.LValue) {
				if n, ok := k.(lua.LNumber); ok && n >= 1 && n < lua.LNumber(lua.MaxArrayIndex) && n == lua.LNumber(math.Trunc(float64(n))) {
					maxInt, ints = max(maxInt, int(n)), ints+1
				}
			})
			if holes += maxInt - ints; holes > luamod.MaxHoles {
				return "too sparse"
			}
			why := ""
			v.ForEach(func(k, x lua.LValue) {
				if why != "" {
					return
				}
				switch k := k.(type) {
				case lua.LNumber:
					if k != k {
						why = "nan key"
						return
					}
				case lua.LBool, lua.LString:
				default:
					why = "bad key"
					return
				}
				why = walk(x, path)
			})
			return why
		}
		return "bad value " + v.Type().String()
	}
	return walk(v, nil)
}
