package backends

import (
	"encoding/binary"
	"fmt"
	"math"
)

// MessagePack type bytes of numbers.
const (
	mpUint8   = 0xcc
	mpUint16  = 0xcd
	mpUint32  = 0xce
	mpUint64  = 0xcf
	mpInt8    = 0xd0
	mpInt16   = 0xd1
	mpInt32   = 0xd2
	mpInt64   = 0xd3
	mpFloat32 = 0xca
	mpFloat64 = 0xcb
)

// EncodeNumber returns the MessagePack encoding of f as the Lua store
// module writes numbers: the smallest integer format when f is integral,
// within the int64 range and not -0; float64 otherwise (fractions, -0,
// NaN, infinities, integers beyond int64).
func EncodeNumber(f float64) []byte { return AppendNumber(nil, f) }

// AppendNumber appends the encoding EncodeNumber returns to b.
func AppendNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && (f != 0 || !math.Signbit(f)) {
		return appendInt(b, int64(f))
	}
	b = append(b, mpFloat64)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= math.MaxInt8:
		return append(b, byte(n)) // positive fixint
	case n < 0 && n >= -32:
		return append(b, byte(n)) // negative fixint
	case n >= 0 && n <= math.MaxUint8:
		return append(b, mpUint8, byte(n))
	case n >= 0 && n <= math.MaxUint16:
		return append(b, mpUint16, byte(n>>8), byte(n))
	case n >= 0 && n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, mpUint32), uint32(n))
	case n >= 0:
		return binary.BigEndian.AppendUint64(append(b, mpUint64), uint64(n))
	case n >= math.MinInt8:
		return append(b, mpInt8, byte(n))
	case n >= math.MinInt16:
		return append(b, mpInt16, byte(n>>8), byte(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, mpInt32), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, mpInt64), uint64(n))
}

// DecodeNumber returns the number b encodes: exactly one MessagePack
// integer or float, in any of their formats (as other programs may write
// them). Integers beyond 2^53 are rounded to the nearest float64. Anything
// else (another type, trailing bytes, truncated input) returns an error
// wrapping ErrInvalid.
func DecodeNumber(b []byte) (float64, error) {
	n, err := decodeNumber(b)
	if err != nil {
		return 0, err
	}
	if n.isInt {
		if n.big {
			return float64(uint64(n.i)), nil
		}
		return float64(n.i), nil
	}
	return n.f, nil
}

// MaxExactInt is 2^53, the largest magnitude up to which a float64 (a Lua
// 5.1 number) holds every integer exactly.
const MaxExactInt = 1 << 53

// AddNumber adds delta to the number cur encodes, as incr does, and returns
// the sum and dst with the sum's encoding (as AppendNumber writes it)
// appended. An integer counter (cur a MessagePack integer, delta
// integral) is added in int64 arithmetic, so it moves by exactly delta; a
// float counter, or a fractional delta, is added in float64. It fails with
// an error wrapping ErrInvalid, naming the limit, when cur is not a
// number, delta is not finite, the int64 sum overflows, the sum is not
// finite, or the sum is an integer beyond ±2^53 (MaxExactInt), which a Lua
// number cannot return exactly.
func AddNumber(dst, cur []byte, delta float64) (float64, []byte, error) {
	if math.IsNaN(delta) || math.IsInf(delta, 0) {
		return 0, dst, fmt.Errorf("delta %v is not a finite number: %w", delta, ErrInvalid)
	}
	n, err := decodeNumber(cur)
	if err != nil {
		return 0, dst, err
	}
	if n.big {
		return 0, dst, fmt.Errorf("stored integer %d is beyond the int64 range: %w", uint64(n.i), ErrInvalid)
	}
	integral := delta == math.Trunc(delta) && delta >= -(1<<63) && delta < 1<<63
	if n.isInt && integral {
		d := int64(delta)
		sum := n.i + d
		if (d > 0 && sum < n.i) || (d < 0 && sum > n.i) {
			return 0, dst, fmt.Errorf("%d + %d overflows int64: %w", n.i, d, ErrInvalid)
		}
		if sum > MaxExactInt || sum < -MaxExactInt {
			return 0, dst, fmt.Errorf("result %d is beyond ±2^53, the largest integer a Lua number holds exactly: %w", sum, ErrInvalid)
		}
		return float64(sum), appendInt(dst, sum), nil
	}
	f := n.f
	if n.isInt {
		if n.i > MaxExactInt || n.i < -MaxExactInt {
			return 0, dst, fmt.Errorf("stored integer %d is beyond ±2^53, so adding %v to it as a Lua number would not be exact: %w", n.i, delta, ErrInvalid)
		}
		f = float64(n.i)
	}
	sum := f + delta
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, dst, fmt.Errorf("the result is not a finite number: %w", ErrInvalid)
	}
	if sum == math.Trunc(sum) && math.Abs(sum) > MaxExactInt {
		return 0, dst, fmt.Errorf("result %v is an integer beyond ±2^53, the largest a Lua number holds exactly: %w", sum, ErrInvalid)
	}
	return sum, AppendNumber(dst, sum), nil
}

// number is a decoded MessagePack number: an integer i (isInt; big when
// it is a uint64 beyond int64, held in i's bits) or a float f.
type number struct {
	i          int64
	f          float64
	isInt, big bool
}

func decodeNumber(b []byte) (number, error) {
	if len(b) == 0 {
		return number{}, fmt.Errorf("stored value is empty, not a number: %w", ErrInvalid)
	}
	c := b[0]
	var need int // total length the format needs
	switch {
	case c <= 0x7f || c >= 0xe0:
		need = 1
	case c == mpUint8 || c == mpInt8:
		need = 2
	case c == mpUint16 || c == mpInt16:
		need = 3
	case c == mpUint32 || c == mpInt32 || c == mpFloat32:
		need = 5
	case c == mpUint64 || c == mpInt64 || c == mpFloat64:
		need = 9
	default:
		return number{}, fmt.Errorf("stored value is a %s, not a number: %w", typeName(c), ErrInvalid)
	}
	if len(b) != need {
		return number{}, fmt.Errorf("stored value is not a single MessagePack number (%d bytes, want %d): %w", len(b), need, ErrInvalid)
	}
	p := b[1:]
	integer := func(i int64) (number, error) { return number{i: i, isInt: true}, nil }
	switch c {
	case mpUint8:
		return integer(int64(p[0]))
	case mpInt8:
		return integer(int64(int8(p[0])))
	case mpUint16:
		return integer(int64(binary.BigEndian.Uint16(p)))
	case mpInt16:
		return integer(int64(int16(binary.BigEndian.Uint16(p))))
	case mpUint32:
		return integer(int64(binary.BigEndian.Uint32(p)))
	case mpInt32:
		return integer(int64(int32(binary.BigEndian.Uint32(p))))
	case mpFloat32:
		return number{f: float64(math.Float32frombits(binary.BigEndian.Uint32(p)))}, nil
	case mpUint64:
		u := binary.BigEndian.Uint64(p)
		return number{i: int64(u), isInt: true, big: u > math.MaxInt64}, nil
	case mpInt64:
		return integer(int64(binary.BigEndian.Uint64(p)))
	case mpFloat64:
		return number{f: math.Float64frombits(binary.BigEndian.Uint64(p))}, nil
	}
	return integer(int64(int8(c))) // fixint: 0x00-0x7f and 0xe0-0xff read as int8
}

// typeName names the MessagePack type whose encoding starts with c, for
// error messages.
func typeName(c byte) string {
	switch {
	case c >= 0x80 && c <= 0x8f, c == 0xde, c == 0xdf:
		return "map"
	case c >= 0x90 && c <= 0x9f, c == 0xdc, c == 0xdd:
		return "array"
	case c >= 0xa0 && c <= 0xbf, c >= 0xd9 && c <= 0xdb:
		return "string"
	case c >= 0xc4 && c <= 0xc6:
		return "binary string"
	case c == 0xc0:
		return "nil"
	case c == 0xc2, c == 0xc3:
		return "boolean"
	case c >= 0xc7 && c <= 0xc9, c >= 0xd4 && c <= 0xd8:
		return "extension value"
	}
	return "malformed value"
}
