package luamod

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
)

// Limits on storable values.
const (
	// MaxDepth is how deeply tables may nest in a value: a table holding
	// a table is two levels.
	MaxDepth = 100

	// MaxHoles is how many missing integer keys the tables of one value
	// may have in all, counting for each table the keys missing below its
	// largest integer key. gopher-lua keeps integer keys up to 2^26 in a
	// dense array, so {[50000000] = true} costs 50 million slots; bytes
	// from elsewhere must not be able to ask for that with a few bytes,
	// and what cannot be decoded is not encoded.
	MaxHoles = 1 << 20

	// MaxElements bounds the values (scalars and tables) one value may
	// hold when encoded. A sub-table shared by several parents is copied
	// each time it appears, so a small Lua structure could otherwise
	// expand without bound.
	MaxElements = 1 << 24
)

// maxElements is MaxElements; tests lower it.
var maxElements = MaxElements

// ValueError reports a Lua value that cannot be stored. It wraps
// backends.ErrInvalid.
type ValueError struct {
	Path   string // where in the value: value, value.items[3], value["a b"], value[true]
	Reason string
}

func (e *ValueError) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns backends.ErrInvalid.
func (e *ValueError) Unwrap() error { return backends.ErrInvalid }

// DecodeError reports bytes that are not a MessagePack value a Lua state
// can hold.
type DecodeError struct {
	Offset int // byte offset in the input where the problem was found
	Reason string
}

func (e *DecodeError) Error() string {
	return "decode stored value at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Encode returns the MessagePack encoding of v, as stored by s:set. A value
// that cannot be stored returns a *ValueError (wrapping backends.ErrInvalid)
// naming the offending part.
//
// Numbers that are integral and within the int64 range become MessagePack
// integers, except -0, which stays a float64 so that it round-trips; every
// other number (fractions, nan, inf, -inf, integers beyond int64) is a
// float64. Metatables are not stored: a table is encoded by its raw contents.
func Encode(v lua.LValue) ([]byte, error) {
	e := encPool.Get().(*encoder)
	b, err := e.encode(v)
	if err == nil {
		b = bytes.Clone(b)
	}
	e.release()
	encPool.Put(e)
	return b, err
}

// Decode returns the Lua value encoded in b. Tables are created in L. Bytes
// that are not exactly one MessagePack value of a storable shape return a
// *DecodeError. Values written by other programs decode as follows:
// integers and floats become numbers (integers beyond 2^53 lose precision,
// as every Lua number is a float64), str and bin become strings, arrays and
// maps become tables (a nil element leaves a hole; a nil map value leaves
// the key out). A top-level nil, a nil or NaN or table map key, and
// extension types (including timestamps) are errors.
func Decode(L *lua.LState, b []byte) (lua.LValue, error) {
	d := decPool.Get().(*decoder)
	v, err := d.decode(L, b)
	decPool.Put(d)
	return v, err
}

// ---- encoding ----

var encPool = sync.Pool{New: func() any { return newEncoder() }}

// encoder encodes Lua values. It is not safe for concurrent use; each Lua
// state's module owns one, and Encode takes one from a pool.
type encoder struct {
	sink  sink
	enc   *msgpack.Encoder
	stack []*lua.LTable // tables being encoded, outermost first
	elems int
	holes int // missing integer keys so far, see MaxHoles
}

func newEncoder() *encoder {
	e := &encoder{}
	e.enc = msgpack.NewEncoder(&e.sink)
	return e
}

// release drops a large output buffer, so that one big value does not
// stay in memory for the life of the state; a modest one is kept for reuse.
func (e *encoder) release() {
	if cap(e.sink.b) > 64<<10 {
		e.sink.b = nil
	}
}

// sink is the encoder's output: a byte slice the msgpack encoder appends to
// and the scalar fast path appends to directly.
type sink struct{ b []byte }

func (s *sink) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *sink) WriteByte(c byte) error      { s.b = append(s.b, c); return nil }

// encode returns the encoding of v in a buffer valid until the next call.
func (e *encoder) encode(v lua.LValue) ([]byte, error) {
	e.sink.b = e.sink.b[:0]
	switch v := v.(type) {
	case lua.LString:
		if len(v) > math.MaxUint32 {
			return nil, &ValueError{Path: "value", Reason: stringTooLong(len(v))}
		}
		e.sink.b = appendString(e.sink.b, string(v))
		return e.sink.b, nil
	case lua.LNumber:
		e.sink.b = appendNumber(e.sink.b, float64(v))
		return e.sink.b, nil
	case lua.LBool:
		e.sink.b = appendBool(e.sink.b, bool(v))
		return e.sink.b, nil
	}
	if v == nil || v == lua.LNil {
		return nil, &ValueError{Path: "value", Reason: "nil cannot be stored (delete the key instead)"}
	}
	e.elems, e.holes = 0, 0
	e.stack = e.stack[:0]
	err := e.value(v)
	clear(e.stack[:cap(e.stack)]) // keep no tables alive
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, pe.valueError()
		}
		return nil, err
	}
	return e.sink.b, nil
}

// pathError is a ValueError under construction: keys collects the path from
// the offending part up to the root as the recursion unwinds.
type pathError struct {
	keys   []lua.LValue // innermost first
	reason string
	root   bool // about the whole value: no path
}

func (p *pathError) Error() string { return p.reason }

func (p *pathError) valueError() *ValueError {
	var b []byte
	b = append(b, "value"...)
	for i := len(p.keys) - 1; i >= 0; i-- {
		b = appendPathKey(b, p.keys[i])
	}
	return &ValueError{Path: string(b), Reason: p.reason}
}

// appendPathKey appends k as Lua source would index with it: .name for
// identifiers, ["a b"] for other strings, [3], [true].
func appendPathKey(b []byte, k lua.LValue) []byte {
	switch k := k.(type) {
	case lua.LString:
		if isIdent(string(k)) {
			return append(append(b, '.'), k...)
		}
		return append(append(append(b, '['), quote(string(k))...), ']')
	case lua.LNumber:
		return append(append(append(b, '['), formatNumber(float64(k))...), ']')
	}
	return append(append(append(b, '['), k.String()...), ']')
}

var luaKeywords = map[string]bool{
	"and": true, "break": true, "do": true, "else": true, "elseif": true, "end": true,
	"false": true, "for": true, "function": true, "goto": true, "if": true, "in": true,
	"local": true, "nil": true, "not": true, "or": true, "repeat": true, "return": true,
	"then": true, "true": true, "until": true, "while": true,
}

func isIdent(s string) bool {
	if s == "" || luaKeywords[s] {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// maxQuoted bounds how much of a key or string an error message shows.
const maxQuoted = 64

// quote returns s as a double-quoted, escaped string for messages, cut
// (visibly, with ...) after maxQuoted bytes.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// formatNumber formats n as Lua's tostring does.
func formatNumber(n float64) string {
	return lua.LNumber(n).String()
}

func stringTooLong(n int) string {
	return "string of " + strconv.Itoa(n) + " bytes is over the MessagePack limit of 4294967295 bytes"
}

// value encodes any storable value, nested inside a table.
func (e *encoder) value(v lua.LValue) error {
	e.elems++
	if e.elems > maxElements {
		return &pathError{root: true, reason: "value holds over " + strconv.Itoa(maxElements) +
			" elements (a table that appears several times is copied each time)"}
	}
	switch v := v.(type) {
	case lua.LString:
		if len(v) > math.MaxUint32 {
			return &pathError{reason: stringTooLong(len(v))}
		}
		e.sink.b = appendString(e.sink.b, string(v))
		return nil
	case lua.LNumber:
		e.sink.b = appendNumber(e.sink.b, float64(v))
		return nil
	case lua.LBool:
		e.sink.b = appendBool(e.sink.b, bool(v))
		return nil
	case *lua.LTable:
		return e.table(v)
	}
	return &pathError{reason: "a " + v.Type().String() +
		" cannot be stored (values are booleans, numbers, strings and tables of them)"}
}

// tableShape is what one pass over a table's keys finds.
type tableShape struct {
	n       int // pairs
	intKeys int // keys that are integers in 1..lua.MaxArrayIndex-1
	maxInt  int // the largest such key
	badKey  lua.LValue
}

func (e *encoder) table(t *lua.LTable) error {
	for _, p := range e.stack {
		if p == t {
			return &pathError{reason: "table contains itself (cycle)"}
		}
	}
	if len(e.stack) >= MaxDepth {
		return &pathError{reason: "tables nested deeper than " + strconv.Itoa(MaxDepth) + " levels"}
	}
	e.stack = append(e.stack, t)
	defer func() { e.stack = e.stack[:len(e.stack)-1] }()

	var sh tableShape
	t.ForEach(func(k, _ lua.LValue) {
		sh.n++
		switch k := k.(type) {
		case lua.LNumber:
			f := float64(k)
			if f != f {
				sh.badKey = k
			} else if f >= 1 && f < float64(lua.MaxArrayIndex) && f == math.Trunc(f) {
				sh.intKeys++
				sh.maxInt = max(sh.maxInt, int(f))
			}
		case lua.LString:
			if len(k) > math.MaxUint32 && sh.badKey == nil {
				sh.badKey = k
			}
		case lua.LBool:
		default:
			sh.badKey = k
		}
	})
	if sh.badKey != nil {
		switch k := sh.badKey.(type) {
		case lua.LNumber:
			return &pathError{reason: "table key nan cannot be stored"}
		case lua.LString:
			return &pathError{reason: "table key: " + stringTooLong(len(k))}
		}
		return &pathError{reason: "table key of type " + sh.badKey.Type().String() +
			" cannot be stored (keys are booleans, numbers and strings)"}
	}
	if holes := sh.maxInt - sh.intKeys; holes > 0 {
		if e.holes += holes; e.holes > MaxHoles {
			return &pathError{reason: holesReason(sh.maxInt, holes)}
		}
	}

	if sh.intKeys == sh.n && sh.maxInt == sh.n {
		// A sequence 1..n (or the empty table): an array.
		_ = e.enc.EncodeArrayLen(sh.n)
		for i := 1; i <= sh.n; i++ {
			if err := e.value(t.RawGetInt(i)); err != nil {
				return withKey(err, lua.LNumber(i))
			}
		}
		return nil
	}

	_ = e.enc.EncodeMapLen(sh.n)
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if err != nil {
			return
		}
		switch k := k.(type) {
		case lua.LString:
			e.sink.b = appendString(e.sink.b, string(k))
		case lua.LNumber:
			e.sink.b = appendNumber(e.sink.b, float64(k))
		case lua.LBool:
			e.sink.b = appendBool(e.sink.b, bool(k))
		}
		if verr := e.value(v); verr != nil {
			err = withKey(verr, k)
		}
	})
	return err
}

func holesReason(maxInt, holes int) string {
	return "integer key " + strconv.Itoa(maxInt) + " leaves " + strconv.Itoa(holes) +
		" missing keys below it, over the limit of " + strconv.Itoa(MaxHoles) + " for a whole value"
}

func withKey(err error, k lua.LValue) error {
	if pe, ok := err.(*pathError); ok && !pe.root {
		pe.keys = append(pe.keys, k)
	}
	return err
}

// appendString appends s as a MessagePack str when it is valid UTF-8, else
// as bin. The caller has checked len(s) <= math.MaxUint32.
func appendString(b []byte, s string) []byte {
	n := len(s)
	if utf8.ValidString(s) {
		switch {
		case n < 32:
			b = append(b, msgpcode.FixedStrLow|byte(n))
		case n < 1<<8:
			b = append(b, msgpcode.Str8, byte(n))
		case n < 1<<16:
			b = append(b, msgpcode.Str16, byte(n>>8), byte(n))
		default:
			b = append(b, msgpcode.Str32)
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
	} else {
		switch {
		case n < 1<<8:
			b = append(b, msgpcode.Bin8, byte(n))
		case n < 1<<16:
			b = append(b, msgpcode.Bin16, byte(n>>8), byte(n))
		default:
			b = append(b, msgpcode.Bin32)
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
	}
	return append(b, s...)
}

// appendNumber appends f as backends.EncodeNumber encodes it, so that a
// number a backend writes (incr) reads back exactly as one a script wrote.
func appendNumber(b []byte, f float64) []byte { return backends.AppendNumber(b, f) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, msgpcode.True)
	}
	return append(b, msgpcode.False)
}

// ---- decoding ----

// decodeScalar decodes b when it is exactly one string, number or boolean,
// without the general decoder. ok is false for anything else (tables,
// malformed input), which the general decoder then handles.
func decodeScalar(b []byte) (v lua.LValue, ok bool) {
	if len(b) == 0 {
		return nil, false
	}
	c := b[0]
	switch {
	case c <= msgpcode.PosFixedNumHigh:
		if len(b) == 1 {
			return lua.LNumber(c), true
		}
	case c >= msgpcode.NegFixedNumLow:
		if len(b) == 1 {
			return lua.LNumber(int8(c)), true
		}
	case c >= msgpcode.FixedStrLow && c <= msgpcode.FixedStrHigh:
		if n := int(c & msgpcode.FixedStrMask); len(b) == 1+n {
			return lua.LString(b[1:]), true
		}
	case c == msgpcode.Str8 || c == msgpcode.Bin8:
		if len(b) >= 2 && len(b) == 2+int(b[1]) {
			return lua.LString(b[2:]), true
		}
	case c == msgpcode.Str16 || c == msgpcode.Bin16:
		if len(b) >= 3 && len(b) == 3+int(binary.BigEndian.Uint16(b[1:])) {
			return lua.LString(b[3:]), true
		}
	case c == msgpcode.Str32 || c == msgpcode.Bin32:
		if len(b) >= 5 && uint64(len(b)) == 5+uint64(binary.BigEndian.Uint32(b[1:])) {
			return lua.LString(b[5:]), true
		}
	case c == msgpcode.True:
		return lua.LTrue, len(b) == 1
	case c == msgpcode.False:
		return lua.LFalse, len(b) == 1
	case c == msgpcode.Double:
		if len(b) == 9 {
			return lua.LNumber(math.Float64frombits(binary.BigEndian.Uint64(b[1:]))), true
		}
	case c == msgpcode.Float:
		if len(b) == 5 {
			return lua.LNumber(math.Float32frombits(binary.BigEndian.Uint32(b[1:]))), true
		}
	case c == msgpcode.Uint8:
		if len(b) == 2 {
			return lua.LNumber(b[1]), true
		}
	case c == msgpcode.Uint16:
		if len(b) == 3 {
			return lua.LNumber(binary.BigEndian.Uint16(b[1:])), true
		}
	case c == msgpcode.Uint32:
		if len(b) == 5 {
			return lua.LNumber(binary.BigEndian.Uint32(b[1:])), true
		}
	case c == msgpcode.Uint64:
		if len(b) == 9 {
			return lua.LNumber(binary.BigEndian.Uint64(b[1:])), true
		}
	case c == msgpcode.Int8:
		if len(b) == 2 {
			return lua.LNumber(int8(b[1])), true
		}
	case c == msgpcode.Int16:
		if len(b) == 3 {
			return lua.LNumber(int16(binary.BigEndian.Uint16(b[1:]))), true
		}
	case c == msgpcode.Int32:
		if len(b) == 5 {
			return lua.LNumber(int32(binary.BigEndian.Uint32(b[1:]))), true
		}
	case c == msgpcode.Int64:
		if len(b) == 9 {
			return lua.LNumber(int64(binary.BigEndian.Uint64(b[1:]))), true
		}
	}
	return nil, false
}

var decPool = sync.Pool{New: func() any { return newDecoder() }}

// decoder decodes MessagePack into Lua values. It is not safe for
// concurrent use.
type decoder struct {
	src   []byte
	r     bytes.Reader
	dec   *msgpack.Decoder
	pairs []pair // pending map entries, used as a stack by nested maps
	holes int    // missing integer keys so far, see MaxHoles
}

type pair struct{ k, v lua.LValue }

func newDecoder() *decoder {
	d := &decoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}

func (d *decoder) release() {
	d.src = nil
	d.r.Reset(nil)
	clear(d.pairs)
	d.pairs = d.pairs[:0]
}

// decode decodes all of b, which must hold exactly one non-nil value.
func (d *decoder) decode(L *lua.LState, b []byte) (lua.LValue, error) {
	if v, ok := decodeScalar(b); ok {
		return v, nil
	}
	d.src, d.holes = b, 0
	d.r.Reset(b)
	d.dec.ResetReader(&d.r)
	defer d.release()
	if len(b) == 0 {
		return nil, d.errorf("no data")
	}
	v, err := d.value(L, 0)
	if err != nil {
		return nil, err
	}
	if v == lua.LNil {
		return nil, &DecodeError{Offset: 0, Reason: "value is nil"}
	}
	if n := d.r.Len(); n > 0 {
		return nil, d.errorf("%d unexpected bytes after the value", n)
	}
	return v, nil
}

func (d *decoder) offset() int { return len(d.src) - d.r.Len() }

func (d *decoder) errorf(format string, args ...any) error {
	return &DecodeError{Offset: d.offset(), Reason: fmt.Sprintf(format, args...)}
}

// fail wraps an error of the msgpack decoder, whose io errors mean the
// input ended early.
func (d *decoder) fail(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return d.errorf("input ends in the middle of a value")
	}
	return d.errorf("%v", err)
}

// value decodes one value; depth is the number of tables around it. It
// returns LNil for a MessagePack nil.
func (d *decoder) value(L *lua.LState, depth int) (lua.LValue, error) {
	c, err := d.dec.PeekCode()
	if err != nil {
		return nil, d.fail(err)
	}
	switch {
	case msgpcode.IsFixedNum(c), c >= msgpcode.Int8 && c <= msgpcode.Int64,
		c >= msgpcode.Uint8 && c <= msgpcode.Uint32:
		n, err := d.dec.DecodeInt64()
		if err != nil {
			return nil, d.fail(err)
		}
		return lua.LNumber(n), nil
	case c == msgpcode.Uint64:
		n, err := d.dec.DecodeUint64()
		if err != nil {
			return nil, d.fail(err)
		}
		return lua.LNumber(n), nil
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := d.dec.DecodeFloat64()
		if err != nil {
			return nil, d.fail(err)
		}
		return lua.LNumber(f), nil
	case c == msgpcode.True || c == msgpcode.False:
		v, err := d.dec.DecodeBool()
		if err != nil {
			return nil, d.fail(err)
		}
		return lua.LBool(v), nil
	case c == msgpcode.Nil:
		_, _ = d.r.ReadByte()
		return lua.LNil, nil
	case msgpcode.IsString(c) || msgpcode.IsBin(c):
		n, err := d.dec.DecodeBytesLen()
		if err != nil {
			return nil, d.fail(err)
		}
		if n > d.r.Len() {
			return nil, d.errorf("string of %d bytes but only %d bytes left", n, d.r.Len())
		}
		start := d.offset()
		s := string(d.src[start : start+n])
		_, _ = d.r.Seek(int64(n), io.SeekCurrent)
		return lua.LString(s), nil
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		return d.array(L, depth+1)
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		return d.mapValue(L, depth+1)
	case msgpcode.IsExt(c):
		at := d.offset()
		id, _, err := d.dec.DecodeExtHeader()
		if err != nil {
			return nil, d.fail(err)
		}
		return nil, &DecodeError{Offset: at, Reason: fmt.Sprintf("MessagePack extension type %d is not supported", id)}
	}
	return nil, d.errorf("invalid MessagePack code 0x%02x", c)
}

func (d *decoder) checkDepth(depth int) error {
	if depth > MaxDepth {
		return d.errorf("tables nested deeper than %d levels", MaxDepth)
	}
	return nil
}

func (d *decoder) array(L *lua.LState, depth int) (lua.LValue, error) {
	if err := d.checkDepth(depth); err != nil {
		return nil, err
	}
	n, err := d.dec.DecodeArrayLen()
	if err != nil {
		return nil, d.fail(err)
	}
	if n > d.r.Len() { // every element takes at least a byte
		return nil, d.errorf("array of %d elements but only %d bytes left", n, d.r.Len())
	}
	t := L.CreateTable(n, 0)
	holes, last := 0, 0
	for i := 1; i <= n; i++ {
		v, err := d.value(L, depth)
		if err != nil {
			return nil, err
		}
		if v == lua.LNil {
			holes++
			continue
		}
		t.RawSetInt(i, v)
		last = i
	}
	// Trailing nils leave no holes: the table simply ends earlier.
	if holes -= n - last; holes > 0 {
		if d.holes += holes; d.holes > MaxHoles {
			return nil, d.errorf("array has %d nil elements before its last value, over the limit of %d for a whole value", holes, MaxHoles)
		}
	}
	return t, nil
}

func (d *decoder) mapValue(L *lua.LState, depth int) (lua.LValue, error) {
	if err := d.checkDepth(depth); err != nil {
		return nil, err
	}
	at := d.offset()
	n, err := d.dec.DecodeMapLen()
	if err != nil {
		return nil, d.fail(err)
	}
	if n > d.r.Len()/2 { // every pair takes at least two bytes
		return nil, d.errorf("map of %d entries but only %d bytes left", n, d.r.Len())
	}
	base := len(d.pairs)
	defer func() {
		clear(d.pairs[base:])
		d.pairs = d.pairs[:base]
	}()
	maxInt, nStr := 0, 0
	for range n {
		keyAt := d.offset()
		k, err := d.value(L, depth)
		if err != nil {
			return nil, err
		}
		switch k := k.(type) {
		case lua.LString:
			nStr++
		case lua.LBool:
		case lua.LNumber:
			f := float64(k)
			if f != f {
				return nil, &DecodeError{Offset: keyAt, Reason: "map key is nan"}
			}
			if f >= 1 && f < float64(lua.MaxArrayIndex) && f == math.Trunc(f) {
				maxInt = max(maxInt, int(f))
			}
		default:
			what := "nil"
			if k != lua.LNil {
				what = "a table"
			}
			return nil, &DecodeError{Offset: keyAt, Reason: "map key is " + what + " (keys must be booleans, numbers or strings)"}
		}
		v, err := d.value(L, depth)
		if err != nil {
			return nil, err
		}
		if v != lua.LNil {
			d.pairs = append(d.pairs, pair{k, v})
		}
	}
	pairs := d.pairs[base:]
	// Bound the dense array gopher-lua allocates for integer keys before
	// creating it: at most the missing keys left in the budget plus the
	// keys present.
	if maxInt > MaxHoles-d.holes+len(pairs) {
		return nil, &DecodeError{Offset: at, Reason: fmt.Sprintf(
			"integer key %d leaves more missing keys below it than the limit of %d for a whole value", maxInt, MaxHoles)}
	}
	t := L.CreateTable(maxInt, nStr)
	for _, p := range pairs {
		t.RawSet(p.k, p.v)
	}
	if maxInt > 0 {
		present := 0
		for i := 1; i <= maxInt; i++ {
			if t.RawGetInt(i) != lua.LNil {
				present++
			}
		}
		if d.holes += maxInt - present; d.holes > MaxHoles {
			return nil, &DecodeError{Offset: at, Reason: holesReason(maxInt, maxInt-present)}
		}
	}
	return t, nil
}
