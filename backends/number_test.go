package backends_test

import (
	"bytes"
	"errors"
	"math"
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
		{[]byte{0xca, 0x3f, 0xc0, 0, 0}, 1.5},                                          // float32
		{[]byte{0xd0, 0x05}, 5},                                                        // int8 holding a positive number
		{[]byte{0xd3, 0, 0, 0, 0, 0, 0, 0, 7}, 7},                                      // int64 holding a small number
		{[]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, math.MaxUint64}, // rounded
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
	}
	for _, tt := range tests {
		_, err := backends.DecodeNumber(tt.b)
		if !errors.Is(err, backends.ErrInvalid) || !bytes.Contains([]byte(err.Error()), []byte(tt.msg)) {
			t.Errorf("%s: DecodeNumber(% x) error = %v, want ErrInvalid mentioning %q", tt.name, tt.b, err, tt.msg)
		}
	}
}
