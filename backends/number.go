package backends

import (
	"math"

	"github.com/luahost/luahost/internal/mpack"
)

// EncodeNumber returns the MessagePack encoding of f as the Lua store
// module writes numbers: the smallest integer format when f is integral,
// within the int64 range and not -0; float64 otherwise (fractions, -0,
// NaN, infinities, integers beyond int64).
func EncodeNumber(f float64) []byte { return AppendNumber(nil, f) }

// AppendNumber appends the encoding EncodeNumber returns to b.
func AppendNumber(b []byte, f float64) []byte { return mpack.AppendNumber(b, f) }

// DecodeNumber returns the number b encodes: exactly one MessagePack
// integer or float, in any of their formats (as other programs may write
// them). An integer a float64 does not hold exactly (beyond 2^53, such as
// 2^53+1) and anything else (another type, trailing bytes, truncated
// input) return an error wrapping ErrInvalid; a number is never rounded.
func DecodeNumber(b []byte) (float64, error) {
	if _, err := decodeNumber(b); err != nil {
		return 0, err
	}
	t, _, _ := mpack.Read(b) // decodeNumber checked it
	f, exact := t.Number()
	if !exact {
		return 0, Errorf(ErrInvalid, "stored integer %s is beyond 2^53 and has no exact Lua number", t.IntString())
	}
	return f, nil
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
		return 0, dst, Errorf(ErrInvalid, "delta %v is not a finite number", delta)
	}
	n, err := decodeNumber(cur)
	if err != nil {
		return 0, dst, err
	}
	if n.big {
		return 0, dst, Errorf(ErrInvalid, "the stored integer %d is beyond the int64 range", uint64(n.i))
	}
	integral := delta == math.Trunc(delta) && delta >= -(1<<63) && delta < 1<<63
	if n.isInt && integral {
		d := int64(delta)
		sum := n.i + d
		if (d > 0 && sum < n.i) || (d < 0 && sum > n.i) {
			return 0, dst, Errorf(ErrInvalid, "%d + %d overflows int64", n.i, d)
		}
		if sum > MaxExactInt || sum < -MaxExactInt {
			return 0, dst, Errorf(ErrInvalid, "the result %d is beyond ±2^53, the largest integer a Lua number holds exactly", sum)
		}
		return float64(sum), mpack.AppendInt(dst, sum), nil
	}
	f := n.f
	if n.isInt {
		if n.i > MaxExactInt || n.i < -MaxExactInt {
			return 0, dst, Errorf(ErrInvalid, "the stored integer %d is beyond ±2^53, so adding %v to it as a Lua number would not be exact", n.i, delta)
		}
		f = float64(n.i)
	}
	sum := f + delta
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, dst, Errorf(ErrInvalid, "the result is not a finite number")
	}
	if sum == math.Trunc(sum) && math.Abs(sum) > MaxExactInt {
		return 0, dst, Errorf(ErrInvalid, "the result %v is an integer beyond ±2^53, the largest a Lua number holds exactly", sum)
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
		return number{}, Errorf(ErrInvalid, "the stored value is empty, not a number")
	}
	switch t := mpack.TypeOf(b[0]); t {
	case mpack.Int, mpack.Uint, mpack.Float:
	default:
		return number{}, Errorf(ErrInvalid, "the stored value is a %s, not a number", t)
	}
	if need := mpack.HeadLen(b[0]); len(b) != need {
		return number{}, Errorf(ErrInvalid, "the stored value is not a single MessagePack number (%d bytes, want %d)", len(b), need)
	}
	t, _, err := mpack.Read(b)
	if err != nil { // not reached: the length is checked above
		return number{}, Errorf(ErrInvalid, "the stored value: %w", err)
	}
	switch t.Type {
	case mpack.Int:
		return number{i: t.Int, isInt: true}, nil
	case mpack.Uint:
		return number{i: int64(t.Uint), isInt: true, big: true}, nil
	}
	return number{f: t.Float}, nil
}
