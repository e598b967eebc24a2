package backends_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/luahost/luahost/backends"
)

func TestEncodeNumber(t *testing.T) {
	tests := []struct {
		f    float64
		want []byte
	}{
		{0, []byte{0x00}},
		{1, []byte{0x01}},
		{127, []byte{0x7f}},
		{128, []byte{0xcc, 0x80}},
		{255, []byte{0xcc, 0xff}},
		{256, []byte{0xcd, 0x01, 0x00}},
		{65536, []byte{0xce, 0, 1, 0, 0}},
		{1 << 32, []byte{0xcf, 0, 0, 0, 1, 0, 0, 0, 0}},
		{-1, []byte{0xff}},
		{-32, []byte{0xe0}},
		{-33, []byte{0xd0, 0xdf}},
		{-129, []byte{0xd1, 0xff, 0x7f}},
		{-32769, []byte{0xd2, 0xff, 0xff, 0x7f, 0xff}},
		{-(1 << 63), []byte{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{1.5, []byte{0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}},
		{math.Copysign(0, -1), []byte{0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{1 << 63, []byte{0xcb, 0x43, 0xe0, 0, 0, 0, 0, 0, 0}}, // beyond int64
		{math.Inf(1), []byte{0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		if got := backends.EncodeNumber(tt.f); !bytes.Equal(got, tt.want) {
			t.Errorf("EncodeNumber(%v) = % x, want % x", tt.f, got, tt.want)
		}
		got, err := backends.DecodeNumber(tt.want)
		if err != nil || math.Float64bits(got) != math.Float64bits(tt.f) {
			t.Errorf("DecodeNumber(% x) = %v, %v; want %v", tt.want, got, err, tt.f)
		}
	}
	nan, err := backends.DecodeNumber(backends.EncodeNumber(math.NaN()))
	if err != nil || !math.IsNaN(nan) {
		t.Errorf("NaN round trip = %v, %v", nan, err)
	}
}

func TestDecodeNumberOtherFormats(t *testing.T) {
	// Formats other programs may write for numbers.
	tests := []struct {
		b    []byte
		want float64
	}{
		{[]byte{0xca, 0x3f, 0xc0, 0, 0}, 1.5},              // float32
		{[]byte{0xd0, 0x05}, 5},                            // int8 holding a positive number
		{[]byte{0xd3, 0, 0, 0, 0, 0, 0, 0, 7}, 7},          // int64 holding a small number
		{[]byte{0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}, 1 << 63}, // uint64 on a float64
		{[]byte{0xd3, 0x10, 0, 0, 0, 0, 0, 0, 0}, 1 << 60}, // int64 on a float64
	}
	for _, tt := range tests {
		if got, err := backends.DecodeNumber(tt.b); err != nil || got != tt.want {
			t.Errorf("DecodeNumber(% x) = %v, %v; want %v", tt.b, got, err, tt.want)
		}
	}
}

func TestDecodeNumberRejects(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "empty"},
		{"string", []byte{0xa1, '5'}, "string"},
		{"binary", []byte{0xc4, 0x01, '5'}, "binary"},
		{"boolean", []byte{0xc3}, "boolean"},
		{"nil", []byte{0xc0}, "nil"},
		{"array", []byte{0x91, 0x01}, "array"},
		{"map", []byte{0x80}, "map"},
		{"truncated", []byte{0xcd, 0x01}, "not a single"},
		{"trailing bytes", []byte{0x01, 0x02}, "not a single"},
		{"extension", []byte{0xd4, 0x01, 0x01}, "extension"},
		{"int64 between float64s", []byte{0xd3, 0x10, 0, 0, 0, 0, 0, 0, 1}, "1152921504606846977"},
		{"uint64 max", []byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "18446744073709551615"},
	}
	for _, tt := range tests {
		_, err := backends.DecodeNumber(tt.b)
		if !errors.Is(err, backends.ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(tt.msg)) {
			t.Errorf("%s: DecodeNumber(% x) error = %v, want ErrInvalid mentioning %q", tt.name, tt.b, err, tt.msg)
		}
	}
}

func TestAddNumber(t *testing.T) {
	i64 := func(n int64) []byte {
		return []byte{0xd3, byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	tests := []struct {
		name    string
		cur     []byte
		delta   float64
		want    float64
		wantEnc []byte
		errSub  string // "" for success
	}{
		{"small", backends.EncodeNumber(41), 1, 42, []byte{42}, ""},
		{"to 2^53", backends.EncodeNumber(1<<53 - 1), 1, 1 << 53, backends.EncodeNumber(1 << 53), ""},
		{"past 2^53", backends.EncodeNumber(1 << 53), 1, 0, nil, "2^53"},
		{"past -2^53", backends.EncodeNumber(-(1 << 53)), -1, 0, nil, "2^53"},
		{"int64 2^53+1 down", i64(1<<53 + 1), -1, 1 << 53, backends.EncodeNumber(1 << 53), ""},
		{"int64 2^53+1 up", i64(1<<53 + 1), 1, 0, nil, "2^53"},
		{"int64 max overflow", i64(math.MaxInt64), 1, 0, nil, "overflows int64"},
		{"int64 min overflow", i64(math.MinInt64), -1, 0, nil, "overflows int64"},
		{"uint64 beyond int64", []byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, -1, 0, nil, "int64 range"},
		{"fraction on big int", i64(1<<53 + 1), 0.5, 0, nil, "not be exact"},
		{"float plus fraction", backends.EncodeNumber(0.5), 0.25, 0.75, backends.EncodeNumber(0.75), ""},
		{"float becomes integer", backends.EncodeNumber(0.5), 0.5, 1, []byte{1}, ""},
		{"float32 counter", []byte{0xca, 0x3f, 0xc0, 0, 0}, 1, 2.5, backends.EncodeNumber(2.5), ""},
		{"huge float", backends.EncodeNumber(1e300), 1, 0, nil, "2^53"},
		{"not finite", backends.EncodeNumber(1.7e308), 1.7e308, 0, nil, "not a finite"},
		{"nan delta", backends.EncodeNumber(1), math.NaN(), 0, nil, "not a finite"},
		{"delta 2^63", backends.EncodeNumber(0), 1 << 63, 0, nil, "2^53"},
		{"not a number", []byte{0xa1, 'x'}, 1, 0, nil, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("k")
			got, enc, err := backends.AddNumber(prefix, tt.cur, tt.delta)
			if tt.errSub != "" {
				if !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), tt.errSub) {
					t.Fatalf("err = %v, want ErrInvalid saying %q", err, tt.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || !bytes.Equal(enc, append([]byte("k"), tt.wantEnc...)) {
				t.Fatalf("AddNumber = %v, % x; want %v, k+% x", got, enc, tt.want, tt.wantEnc)
			}
		})
	}
}
