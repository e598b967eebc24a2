package memory

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/luahost/luahost/backends"
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

// appendNumber appends the MessagePack encoding of f as the Lua store
// module writes numbers: the smallest integer format when f is integral,
// within the int64 range and not -0; float64 otherwise.
func appendNumber(b []byte, f float64) []byte {
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

// decodeNumber returns the number b encodes: exactly one MessagePack
// integer or float, in any of their formats. Anything else returns an
// error wrapping backends.ErrInvalid.
func decodeNumber(b string) (float64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("stored value is empty, not a number: %w", backends.ErrInvalid)
	}
	c := b[0]
	var need int
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
		return 0, fmt.Errorf("stored value is not a MessagePack number (type byte 0x%02x): %w", c, backends.ErrInvalid)
	}
	if len(b) != need {
		return 0, fmt.Errorf("stored value is not a single MessagePack number (%d bytes, want %d): %w", len(b), need, backends.ErrInvalid)
	}
	p := []byte(b[1:]) // at most 8 bytes; does not escape
	switch c {
	case mpUint8:
		return float64(p[0]), nil
	case mpInt8:
		return float64(int8(p[0])), nil
	case mpUint16:
		return float64(binary.BigEndian.Uint16(p)), nil
	case mpInt16:
		return float64(int16(binary.BigEndian.Uint16(p))), nil
	case mpUint32:
		return float64(binary.BigEndian.Uint32(p)), nil
	case mpInt32:
		return float64(int32(binary.BigEndian.Uint32(p))), nil
	case mpFloat32:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case mpUint64:
		return float64(binary.BigEndian.Uint64(p)), nil
	case mpInt64:
		return float64(int64(binary.BigEndian.Uint64(p))), nil
	case mpFloat64:
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	}
	return float64(int8(c)), nil // fixint: 0x00-0x7f and 0xe0-0xff read as int8
}
