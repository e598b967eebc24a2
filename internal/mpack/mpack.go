// Package mpack reads and writes the MessagePack format of stored values
// (see the store module's value format): the encodings luahost writes, and
// every encoding of the MessagePack spec it reads back from other
// programs. It knows nothing of Lua or of Go value shapes; the Lua
// conversion (luamod), the Go KV (runtime) and the backends' number
// arithmetic (incr) build on it.
//
// # Basics
//
// Append functions add one encoded value, or an array or map header, to a
// byte slice. A Decoder splits input into tokens: one scalar, or the
// header of an array or map whose elements follow as further tokens.
//
// # Caveats
//
//   - Strings and bin data are returned as slices of the input, not
//     copies.
//   - A Decoder checks lengths against the input left (every array element
//     takes at least a byte, every map entry two), so a few hostile bytes
//     cannot make a caller allocate for billions of elements. Depth is the
//     caller's to bound, with MaxDepth.
package mpack

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and maps may nest in a stored value: an
// array holding an array is two levels.
const MaxDepth = 100

// Format bytes (the first byte of an encoded value), from the MessagePack
// spec.
const (
	codeNil      = 0xc0
	codeNever    = 0xc1 // never used
	codeFalse    = 0xc2
	codeTrue     = 0xc3
	codeBin8     = 0xc4
	codeBin16    = 0xc5
	codeBin32    = 0xc6
	codeExt8     = 0xc7
	codeExt16    = 0xc8
	codeExt32    = 0xc9
	codeFloat32  = 0xca
	codeFloat64  = 0xcb
	codeUint8    = 0xcc
	codeUint16   = 0xcd
	codeUint32   = 0xce
	codeUint64   = 0xcf
	codeInt8     = 0xd0
	codeInt16    = 0xd1
	codeInt32    = 0xd2
	codeInt64    = 0xd3
	codeFixExt1  = 0xd4
	codeFixExt16 = 0xd8
	codeStr8     = 0xd9
	codeStr16    = 0xda
	codeStr32    = 0xdb
	codeArray16  = 0xdc
	codeArray32  = 0xdd
	codeMap16    = 0xde
	codeMap32    = 0xdf

	fixMap   = 0x80 // 0x80-0x8f
	fixArray = 0x90 // 0x90-0x9f
	fixStr   = 0xa0 // 0xa0-0xbf
)

// Type is the type of a MessagePack value.
type Type uint8

// MessagePack types. Int holds every integer in the int64 range whatever
// its format; Uint only a uint64 above it.
const (
	Invalid Type = iota // the never-used format byte 0xc1
	Nil
	Bool
	Int
	Uint
	Float // float32 or float64
	Str
	Bin
	Array
	Map
	Ext
)

var typeNames = [...]string{
	Invalid: "malformed value", Nil: "nil", Bool: "boolean", Int: "integer", Uint: "integer",
	Float: "float", Str: "string", Bin: "binary string", Array: "array", Map: "map", Ext: "extension value",
}

// String names t for messages: "map", "binary string", "extension value".
func (t Type) String() string { return typeNames[t] }

// TypeOf returns the type of the value whose encoding starts with c. A
// uint64 is reported as Uint whatever its value.
func TypeOf(c byte) Type {
	switch {
	case c <= 0x7f || c >= 0xe0:
		return Int
	case c < fixArray:
		return Map
	case c < fixStr:
		return Array
	case c <= 0xbf:
		return Str
	}
	switch c {
	case codeNil:
		return Nil
	case codeFalse, codeTrue:
		return Bool
	case codeBin8, codeBin16, codeBin32:
		return Bin
	case codeExt8, codeExt16, codeExt32:
		return Ext
	case codeFloat32, codeFloat64:
		return Float
	case codeUint64:
		return Uint
	case codeUint8, codeUint16, codeUint32, codeInt8, codeInt16, codeInt32, codeInt64:
		return Int
	case codeStr8, codeStr16, codeStr32:
		return Str
	case codeArray16, codeArray32:
		return Array
	case codeMap16, codeMap32:
		return Map
	}
	if c >= codeFixExt1 && c <= codeFixExt16 {
		return Ext
	}
	return Invalid
}

// HeadLen returns the length in bytes of the head of a value whose
// encoding starts with c: the whole value for nil, booleans and numbers;
// the part before the payload for strings, bin and extensions; the header
// for arrays and maps. It is 0 for the never-used byte 0xc1.
func HeadLen(c byte) int {
	if c <= 0xbf || c >= 0xe0 { // fixint, fixmap, fixarray, fixstr
		return 1
	}
	switch c {
	case codeNil, codeFalse, codeTrue:
		return 1
	case codeBin8, codeStr8, codeUint8, codeInt8:
		return 2
	case codeBin16, codeStr16, codeUint16, codeInt16, codeArray16, codeMap16:
		return 3
	case codeBin32, codeStr32, codeUint32, codeInt32, codeFloat32, codeArray32, codeMap32:
		return 5
	case codeUint64, codeInt64, codeFloat64:
		return 9
	case codeExt8: // length, type
		return 3
	case codeExt16:
		return 4
	case codeExt32:
		return 6
	}
	if c >= codeFixExt1 && c <= codeFixExt16 { // type
		return 2
	}
	return 0
}

// ---- encoding ----

// AppendNil appends nil.
func AppendNil(b []byte) []byte { return append(b, codeNil) }

// AppendBool appends v.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, codeTrue)
	}
	return append(b, codeFalse)
}

// AppendNumber appends f as luahost stores a number (a Lua number): the
// smallest integer format when f is integral, within the int64 range and
// not -0; float64 otherwise (fractions, -0, NaN, infinities, integers
// beyond int64).
func AppendNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && (f != 0 || !math.Signbit(f)) {
		return AppendInt(b, int64(f))
	}
	b = append(b, codeFloat64)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

// AppendInt appends n in the smallest integer format that holds it.
func AppendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= math.MaxInt8:
		return append(b, byte(n)) // positive fixint
	case n < 0 && n >= -32:
		return append(b, byte(n)) // negative fixint
	case n >= 0 && n <= math.MaxUint8:
		return append(b, codeUint8, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return append(b, codeUint16, byte(n>>8), byte(n))
	case n >= 0 && n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, codeUint32), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, codeUint64), uint64(n))
	case n >= math.MinInt8:
		return append(b, codeInt8, byte(n))
	case n >= math.MinInt16:
		return append(b, codeInt16, byte(n>>8), byte(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, codeInt32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, codeInt64), uint64(n))
}

// MaxStringLen is the longest string or bin MessagePack holds, in bytes.
const MaxStringLen = math.MaxUint32

// validUTF8 is utf8.ValidString with a byte loop for short strings, which
// the standard one walks slower than this.
func validUTF8(s string) bool {
	if len(s) >= 16 {
		return utf8.ValidString(s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

// AppendString appends s as a str when it is valid UTF-8, else as bin, so
// that other programs read text as text and any bytes survive. The caller
// checks len(s) <= MaxStringLen.
func AppendString(b []byte, s string) []byte {
	n := len(s)
	if validUTF8(s) {
		switch {
		case n < 32:
			b = append(b, fixStr|byte(n))
		case n < 1<<8:
			b = append(b, codeStr8, byte(n))
		case n < 1<<16:
			b = append(b, codeStr16, byte(n>>8), byte(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, codeStr32), uint32(n))
		}
	} else {
		switch {
		case n < 1<<8:
			b = append(b, codeBin8, byte(n))
		case n < 1<<16:
			b = append(b, codeBin16, byte(n>>8), byte(n))
		default:
			b = binary.BigEndian.AppendUint32(append(b, codeBin32), uint32(n))
		}
	}
	return append(b, s...)
}

// AppendArrayLen appends the header of an array of n elements, which the
// caller appends next.
func AppendArrayLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, fixArray|byte(n))
	case n < 1<<16:
		return append(b, codeArray16, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, codeArray32), uint32(n))
}

// AppendMapLen appends the header of a map of n entries, whose keys and
// values the caller appends next, alternating.
func AppendMapLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, fixMap|byte(n))
	case n < 1<<16:
		return append(b, codeMap16, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, codeMap32), uint32(n))
}

// ---- decoding ----

// DecodeError reports bytes that are not a MessagePack value luahost can
// read.
type DecodeError struct {
	Offset int // byte offset in the input where the problem was found
	Reason string
}

func (e *DecodeError) Error() string {
	return "decode stored value at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Token is one decoded MessagePack token: a scalar, or the header of an
// array or map.
type Token struct {
	Type    Type
	Offset  int     // where the token starts in the input
	Bool    bool    // Bool
	Int     int64   // Int
	Uint    uint64  // Uint: an integer above math.MaxInt64
	Float   float64 // Float (a float32 widened)
	Bytes   []byte  // Str, Bin, Ext payload: a slice of the input
	Len     int     // Array: elements; Map: entries (key and value tokens follow)
	ExtType int8    // Ext
}

// Number returns the number an Int, Uint or Float token holds as a
// float64 (0 for other types), and whether that float64 is exactly the
// number. Only an integer beyond 2^53 can be inexact: one that falls
// between two float64s, such as 2^53+1 or most int64 nanosecond
// timestamps, which a Lua number cannot hold.
func (t Token) Number() (f float64, exact bool) {
	switch t.Type {
	case Float:
		return t.Float, true
	case Int:
		return float64(t.Int), FloatHoldsInt(t.Int)
	case Uint:
		return float64(t.Uint), FloatHoldsUint(t.Uint)
	}
	return 0, true
}

// FloatHoldsInt reports whether a float64 holds n exactly: always up to
// 2^53 in magnitude, beyond only when n falls on a float64.
func FloatHoldsInt(n int64) bool {
	m := uint64(n)
	if n < 0 {
		m = -m // two's complement: the magnitude, 2^63 for MinInt64
	}
	return FloatHoldsUint(m)
}

// FloatHoldsUint reports whether a float64 holds u exactly: its
// significant bits, from the highest set bit to the lowest, number at
// most 53.
func FloatHoldsUint(u uint64) bool {
	return u == 0 || bits.Len64(u)-bits.TrailingZeros64(u) <= 53
}

// IntString returns the integer of an Int or Uint token in decimal, for
// messages that must name it exactly.
func (t Token) IntString() string {
	if t.Type == Uint {
		return strconv.FormatUint(t.Uint, 10)
	}
	return strconv.FormatInt(t.Int, 10)
}

// Decoder reads tokens from a byte slice. The zero Decoder reads nothing;
// Reset gives it input.
type Decoder struct {
	b   []byte
	off int
}

// NewDecoder returns a Decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Reset makes d read b from its start.
func (d *Decoder) Reset(b []byte) { d.b, d.off = b, 0 }

// Offset returns the offset of the next token in the input.
func (d *Decoder) Offset() int { return d.off }

// Remaining returns how many bytes of input are left.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Errorf returns a *DecodeError at the current offset.
func (d *Decoder) Errorf(format string, args ...any) error {
	return &DecodeError{Offset: d.off, Reason: fmt.Sprintf(format, args...)}
}

// Next reads one token. Malformed input (a never-used format byte, input
// that ends inside a value, a length longer than the input left) returns
// a *DecodeError and leaves d where the token started.
func (d *Decoder) Next() (Token, error) {
	t, n, err := Read(d.b[d.off:])
	if err != nil {
		if de, ok := err.(*DecodeError); ok {
			de.Offset += d.off
		}
		return Token{}, err
	}
	t.Offset = d.off
	d.off += n
	return t, nil
}

// Read reads the token at the start of b and returns it with its length
// in bytes (the head and, for strings, bin and extensions, the payload).
// It fails as Decoder.Next does, with offsets relative to b. Unlike a
// Decoder, it keeps no reference to b beyond the token's Bytes.
func Read(b []byte) (Token, int, error) {
	if len(b) == 0 {
		return Token{}, 0, truncated(b)
	}
	c := b[0]
	t := Token{Type: TypeOf(c)}
	if t.Type == Invalid {
		return Token{}, 0, &DecodeError{Offset: 0, Reason: fmt.Sprintf("invalid MessagePack code 0x%02x", c)}
	}
	head := HeadLen(c)
	if len(b) < head {
		return Token{}, 0, truncated(b)
	}
	p := b[1:head]
	left := len(b) - head // bytes after the head
	switch t.Type {
	case Nil:
	case Bool:
		t.Bool = c == codeTrue
	case Int:
		t.Int = decodeInt(c, p)
	case Uint:
		u := binary.BigEndian.Uint64(p)
		if u <= math.MaxInt64 {
			t.Type, t.Int = Int, int64(u)
		} else {
			t.Uint = u
		}
	case Float:
		if c == codeFloat32 {
			t.Float = float64(math.Float32frombits(binary.BigEndian.Uint32(p)))
		} else {
			t.Float = math.Float64frombits(binary.BigEndian.Uint64(p))
		}
	case Str, Bin:
		n := uint64(c & 0x1f)
		if c >= 0xc0 {
			n = bigEndian(p)
		}
		if n > uint64(left) {
			return Token{}, 0, &DecodeError{Offset: 0, Reason: fmt.Sprintf("string of %d bytes but only %d bytes left", n, left)}
		}
		t.Bytes = b[head : head+int(n)]
		head += int(n)
	case Array:
		n := uint64(c & 0x0f)
		if c >= 0xc0 {
			n = bigEndian(p)
		}
		if n > uint64(left) { // every element takes at least a byte
			return Token{}, 0, &DecodeError{Offset: 0, Reason: fmt.Sprintf("array of %d elements but only %d bytes left", n, left)}
		}
		t.Len = int(n)
	case Map:
		n := uint64(c & 0x0f)
		if c >= 0xc0 {
			n = bigEndian(p)
		}
		if n > uint64(left/2) { // every entry takes at least two bytes
			return Token{}, 0, &DecodeError{Offset: 0, Reason: fmt.Sprintf("map of %d entries but only %d bytes left", n, left)}
		}
		t.Len = int(n)
	case Ext:
		var n uint64
		if c >= codeFixExt1 && c <= codeFixExt16 {
			n = 1 << (c - codeFixExt1)
		} else {
			n = bigEndian(p[:len(p)-1])
		}
		t.ExtType = int8(p[len(p)-1])
		if n > uint64(left) {
			return Token{}, 0, truncated(b)
		}
		t.Bytes = b[head : head+int(n)]
		head += int(n)
	}
	return t, head, nil
}

// StringStart reports whether b is exactly one str or bin value, and
// where its payload starts: b[start:] is the string. It is the fast path
// of a read of a stored string; anything else (another type, a length
// that disagrees with len(b)) returns ok false, for a Decoder to decode
// or explain.
func StringStart[T ~string | ~[]byte](b T) (start int, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int
	switch c := b[0]; {
	case c&0xe0 == fixStr:
		n, start = int(c&0x1f), 1
	case (c == codeStr8 || c == codeBin8) && len(b) >= 2:
		n, start = int(b[1]), 2
	case (c == codeStr16 || c == codeBin16) && len(b) >= 3:
		n, start = int(b[1])<<8|int(b[2]), 3
	case (c == codeStr32 || c == codeBin32) && len(b) >= 5:
		n, start = int(b[1])<<24|int(b[2])<<16|int(b[3])<<8|int(b[4]), 5
	default:
		return 0, false
	}
	return start, len(b)-start == n
}

// truncated is the error for input b that ends inside a value; it is
// reported where the input ends.
func truncated(b []byte) error {
	return &DecodeError{Offset: len(b), Reason: "input ends in the middle of a value"}
}

// decodeInt decodes the integer formats other than uint64; p is the bytes
// after the format byte c.
func decodeInt(c byte, p []byte) int64 {
	switch c {
	case codeUint8:
		return int64(p[0])
	case codeInt8:
		return int64(int8(p[0]))
	case codeUint16:
		return int64(binary.BigEndian.Uint16(p))
	case codeInt16:
		return int64(int16(binary.BigEndian.Uint16(p)))
	case codeUint32:
		return int64(binary.BigEndian.Uint32(p))
	case codeInt32:
		return int64(int32(binary.BigEndian.Uint32(p)))
	case codeInt64:
		return int64(binary.BigEndian.Uint64(p))
	}
	return int64(int8(c)) // fixint: 0x00-0x7f and 0xe0-0xff read as int8
}

// bigEndian reads an unsigned big-endian length of 1, 2 or 4 bytes.
func bigEndian(p []byte) uint64 {
	switch len(p) {
	case 1:
		return uint64(p[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(p))
	}
	return uint64(binary.BigEndian.Uint32(p))
}
