package redisstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/luahost/luahost/backends"
)

// mp returns a MessagePack number in the given format, as another program
// might store it.
func mp(tag byte, n uint64, size int) []byte {
	b := []byte{tag}
	switch size {
	case 1:
		return append(b, byte(n))
	case 2:
		return binary.BigEndian.AppendUint16(b, uint16(n))
	case 4:
		return binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return binary.BigEndian.AppendUint64(b, n)
}

// negU64 is -n as the uint64 of its two's complement.
func negU64(n int64) uint64 { return uint64(-n) }

func f64(f float64) []byte { return mp(0xcb, math.Float64bits(f), 8) }

// TestIncrStoredForms checks incr's script on every MessagePack number
// format, its int64 arithmetic, and its limits: the result and the
// stored bytes match backends.EncodeNumber, and an invalid incr changes
// nothing.
func TestIncrStoredForms(t *testing.T) {
	s := newStore(t, sharedDB(t), Options{})
	const p53 = 1 << 53
	tenth, fifth := 0.1, 0.2 // float64 arithmetic, not exact constants
	for _, tc := range []struct {
		name    string
		stored  []byte
		delta   float64
		want    float64
		invalid string // part of the message, when the incr must fail
	}{
		{name: "fixint", stored: []byte{5}, delta: 1, want: 6},
		{name: "fixint to uint8", stored: []byte{127}, delta: 1, want: 128},
		{name: "negative fixint", stored: []byte{0xfd}, delta: 1, want: -2},
		{name: "uint8 to uint16", stored: mp(0xcc, 200, 1), delta: 100, want: 300},
		{name: "int8 to int16", stored: mp(0xd0, uint64(0x9c), 1), delta: -100, want: -200},
		{name: "uint16", stored: mp(0xcd, 65535, 2), delta: 1, want: 65536},
		{name: "int16", stored: mp(0xd1, uint64(uint16(0x8000)), 2), delta: -1, want: -32769},
		{name: "uint32 to uint64", stored: mp(0xce, math.MaxUint32, 4), delta: 1, want: 1 << 32},
		{name: "int32 to int64", stored: mp(0xd2, uint64(uint32(0x80000000)), 4), delta: -1, want: -(1 << 31) - 1},
		{name: "up to 2^53", stored: mp(0xcf, p53-1, 8), delta: 1, want: p53},
		{name: "beyond 2^53", stored: mp(0xcf, p53-1, 8), delta: 2, invalid: "beyond 2^53"},
		{name: "below -2^53", stored: mp(0xd3, negU64(p53), 8), delta: -1, invalid: "beyond 2^53"},
		{name: "large integers cancel exactly", stored: mp(0xd3, math.MaxInt64, 8), delta: math.MinInt64, want: -1},
		{name: "int64 overflow", stored: mp(0xd3, math.MaxInt64, 8), delta: 1, invalid: "overflows int64"},
		{name: "uint64 beyond int64", stored: mp(0xcf, 1<<63, 8), delta: -1, invalid: "int64 range"},
		{name: "float32", stored: mp(0xca, uint64(math.Float32bits(1.5)), 4), delta: 1, want: 2.5},
		{name: "float64", stored: f64(tenth), delta: fifth, want: tenth + fifth},
		{name: "float to integer", stored: f64(0.75), delta: 0.25, want: 1},
		{name: "integral float beyond 2^53 is not moved", stored: f64(1 << 60), delta: 1, invalid: "beyond 2^53"},
		{name: "fractional delta", stored: []byte{1}, delta: 0.5, want: 1.5},
		{name: "float overflow", stored: f64(math.MaxFloat64), delta: math.MaxFloat64, invalid: "not a finite number"},
		{name: "string", stored: []byte{0xa1, 'x'}, delta: 1, invalid: "string, not a number"},
		{name: "boolean", stored: []byte{0xc3}, delta: 1, invalid: "boolean, not a number"},
		{name: "map", stored: []byte{0x80}, delta: 1, invalid: "map, not a number"},
		{name: "trailing bytes", stored: []byte{5, 0}, delta: 1, invalid: "not a single MessagePack number"},
		{name: "truncated", stored: []byte{0xcd, 1}, delta: 1, invalid: "not a single MessagePack number"},
		{name: "empty", stored: []byte{}, delta: 1, invalid: "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ctx(t)
			if err := s.Set(c, "n", tc.stored, 0); err != nil {
				t.Fatal(err)
			}
			before, err := s.Entry(c, "n")
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Incr(c, "n", tc.delta, backends.IncrOptions{})
			if tc.invalid != "" {
				if !errors.Is(err, backends.ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(tc.invalid)) {
					t.Fatalf("incr = %v, %v; want INVALID saying %q", got, err, tc.invalid)
				}
				after, err := s.Entry(c, "n")
				if err != nil || !bytes.Equal(after.Value, tc.stored) || after.Version != before.Version {
					t.Fatalf("after a failed incr: %x version %s (%v); want %x version %s", after.Value, after.Version, err, tc.stored, before.Version)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("incr = %v, %v; want %v", got, err, tc.want)
			}
			stored, err := s.Get(c, "n")
			if want := backends.EncodeNumber(tc.want); err != nil || !bytes.Equal(stored, want) {
				t.Fatalf("stored %x (%v), want %x", stored, err, want)
			}
		})
	}
}

// TestIncrInit checks the start value and TTL of a new counter.
func TestIncrInit(t *testing.T) {
	s := newStore(t, sharedDB(t), Options{})
	c := ctx(t)
	for _, tc := range []struct {
		key         string
		init, delta float64
		want        float64
	}{
		{"a", 0, 1, 1},
		{"b", 100, -1, 99},
		{"c", 0.5, 1, 1.5},
		{"d", -(1 << 53), 0, -(1 << 53)},
		{"e", 0.25, 0.5, 0.75},
	} {
		got, err := s.Incr(c, tc.key, tc.delta, backends.IncrOptions{Init: tc.init})
		if err != nil || got != tc.want {
			t.Errorf("incr %s = %v, %v; want %v", tc.key, got, err, tc.want)
		}
	}
	// 1e300 + 1 is 1e300 again: the counter would not move by delta.
	if _, err := s.Incr(c, "g", 1, backends.IncrOptions{Init: 1e300}); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("incr of 1e300 from init: %v, want INVALID", err)
	}
	if _, err := s.Incr(c, "f", 1, backends.IncrOptions{Init: 1 << 53}); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("incr past 2^53 from init: %v, want INVALID", err)
	}
	if ok, _ := s.Exists(c, "f"); ok {
		t.Error("a failed incr created its key")
	}
}
