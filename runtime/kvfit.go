package runtime

import (
	"encoding"
	"reflect"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/internal/mpack"
	"github.com/luahost/luahost/luamod"
)

// checkFits walks the MessagePack value b along the Go type t it is about
// to be decoded into and returns a *luamod.ValueError, naming the path,
// for a number the MessagePack library would change on the way: an
// integer out of the range of an integer type (it keeps the low bits), a
// negative integer into an unsigned type, an integer a float type does not
// hold exactly (it rounds). Shapes that do not match t are left to the
// library to report.
func checkFits(b []byte, t reflect.Type) error {
	err := fits(mpack.NewDecoder(b), t, 0)
	if fe, ok := err.(*fitError); ok {
		path := "value"
		for i := len(fe.keys) - 1; i >= 0; i-- {
			path = luamod.PathKey(path, fe.keys[i])
		}
		return &luamod.ValueError{Path: path, Reason: fe.reason}
	}
	return err
}

// fitError is a ValueError under construction: keys collects the path,
// innermost first, as the walk unwinds.
type fitError struct {
	keys   []lua.LValue
	reason string
}

func (e *fitError) Error() string { return e.reason }

func fitKey(err error, k lua.LValue) error {
	if fe, ok := err.(*fitError); ok {
		fe.keys = append(fe.keys, k)
	}
	return err
}

var (
	customDecoderType   = reflect.TypeFor[msgpack.CustomDecoder]()
	unmarshalerType     = reflect.TypeFor[msgpack.Unmarshaler]()
	binaryUnmarshalType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	textUnmarshalType   = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether values of t decode through their own
// method, whose handling of numbers is theirs.
func decodesItself(t reflect.Type) bool {
	for _, it := range []reflect.Type{customDecoderType, unmarshalerType, binaryUnmarshalType, textUnmarshalType} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

func fits(d *mpack.Decoder, t reflect.Type, depth int) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > mpack.MaxDepth || decodesItself(t) {
		return skip(d, depth)
	}
	tok, err := d.Next()
	if err != nil {
		return err
	}
	switch k := t.Kind(); {
	case k >= reflect.Int && k <= reflect.Int64:
		return fitsInt(tok, t)
	case k >= reflect.Uint && k <= reflect.Uintptr:
		return fitsUint(tok, t)
	case k == reflect.Float32 || k == reflect.Float64:
		return fitsFloat(tok, t)
	case (k == reflect.Slice || k == reflect.Array) && tok.Type == mpack.Array:
		for i := range tok.Len {
			if err := fits(d, t.Elem(), depth+1); err != nil {
				return fitKey(err, lua.LNumber(i+1))
			}
		}
		return nil
	case k == reflect.Map && tok.Type == mpack.Map:
		for range tok.Len {
			key, kerr := peekKey(d)
			if err := fits(d, t.Key(), depth+1); err != nil {
				return err // a key's path is its map's
			}
			if err := fits(d, t.Elem(), depth+1); err != nil {
				if kerr != nil {
					return err
				}
				return fitKey(err, key)
			}
		}
		return nil
	case k == reflect.Struct && tok.Type == mpack.Map:
		fields := structFields(t)
		for range tok.Len {
			kt, err := d.Next()
			if err != nil {
				return err
			}
			if kt.Type == mpack.Array || kt.Type == mpack.Map {
				return nil // not a struct's map: the library reports it
			}
			ft, ok := fields[string(kt.Bytes)]
			if kt.Type != mpack.Str || !ok {
				if err := skip(d, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := fits(d, ft, depth+1); err != nil {
				return fitKey(err, lua.LString(kt.Bytes))
			}
		}
		return nil
	}
	return skipRest(d, tok, depth)
}

// peekKey returns the map key at d as a Lua value for a path, without
// moving d.
func peekKey(d *mpack.Decoder) (lua.LValue, error) {
	b := *d
	tok, err := b.Next()
	if err != nil {
		return nil, err
	}
	switch tok.Type {
	case mpack.Str, mpack.Bin:
		return lua.LString(tok.Bytes), nil
	case mpack.Bool:
		return lua.LBool(tok.Bool), nil
	}
	f, _ := tok.Number()
	return lua.LNumber(f), nil
}

func fitsInt(tok mpack.Token, t reflect.Type) error {
	switch tok.Type {
	case mpack.Uint:
		return outOfRange(tok, t)
	case mpack.Int:
		if bits := t.Bits(); bits < 64 && (tok.Int < -1<<(bits-1) || tok.Int > 1<<(bits-1)-1) {
			return outOfRange(tok, t)
		}
	}
	return nil
}

func fitsUint(tok mpack.Token, t reflect.Type) error {
	switch tok.Type {
	case mpack.Uint:
		if t.Bits() < 64 {
			return outOfRange(tok, t)
		}
	case mpack.Int:
		if bits := t.Bits(); tok.Int < 0 || bits < 64 && uint64(tok.Int) > 1<<bits-1 {
			return outOfRange(tok, t)
		}
	}
	return nil
}

func fitsFloat(tok mpack.Token, t reflect.Type) error {
	if tok.Type != mpack.Int && tok.Type != mpack.Uint {
		return nil // a float64 into a float32 the library refuses itself
	}
	f, exact := tok.Number()
	if exact && t.Kind() == reflect.Float32 {
		exact = float64(float32(f)) == f
	}
	if !exact {
		return &fitError{reason: "integer " + tok.IntString() + " does not fit " + t.String() + " exactly"}
	}
	return nil
}

func outOfRange(tok mpack.Token, t reflect.Type) error {
	return &fitError{reason: "integer " + tok.IntString() + " is out of the range of " + t.String()}
}

// skip reads one whole value.
func skip(d *mpack.Decoder, depth int) error {
	tok, err := d.Next()
	if err != nil {
		return err
	}
	return skipRest(d, tok, depth)
}

// skipRest reads the elements of tok, when it is an array or map header.
func skipRest(d *mpack.Decoder, tok mpack.Token, depth int) error {
	n := tok.Len
	switch tok.Type {
	case mpack.Map:
		n *= 2
	case mpack.Array:
	default:
		return nil
	}
	if depth > mpack.MaxDepth {
		return nil // too deep to be a value: the decoder says so
	}
	for range n {
		if err := skip(d, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// fieldCache maps a struct type to its fields by MessagePack name.
var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// structFields returns the fields of struct type t by the names the
// MessagePack library decodes them under: the msgpack tag's name, else
// the Go name; "-" fields are left out and untagged embedded structs
// contribute their own fields.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addFields(m, t, 0)
	fieldCache.Store(t, m)
	return m
}

func addFields(m map[string]reflect.Type, t reflect.Type, depth int) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("msgpack"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct && depth < 8 {
			addFields(m, ft, depth+1)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := m[name]; !dup || depth == 0 {
			m[name] = f.Type
		}
	}
}
