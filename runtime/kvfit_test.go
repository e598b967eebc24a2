package runtime_test

import (
	"context"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// TestKVGetNeverChangesANumber stores MessagePack another program might
// write and reads it with KV.Get into Go types of every width: a number
// the destination holds exactly decodes; one it does not is ErrInvalid
// naming the value path and the exact integer, never truncated or rounded.
func TestKVGetNeverChangesANumber(t *testing.T) {
	ctx := context.Background()
	_, kv := cacheKV(t)
	raw, err := kv.Raw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type small struct {
		A int8     `msgpack:"a"`
		U []uint16 `msgpack:"u"`
	}
	type withMap struct {
		M map[string]float64
	}
	tests := []struct {
		name string
		hex  string
		dst  func() any
		want any    // nil when an error is expected
		err  string // the path and reason the error holds
	}{
		{"int8 holds 127", "7f", func() any { return new(int8) }, ptr[int8](127), ""},
		{"int8 holds -128", "d0 80", func() any { return new(int8) }, ptr[int8](-128), ""},
		{"256 into int8", "cd 0100", func() any { return new(int8) }, nil, "value: integer 256 is out of the range of int8"},
		{"-129 into int8", "d1 ff7f", func() any { return new(int8) }, nil, "integer -129 is out of the range of int8"},
		{"70000 into int16", "ce 00011170", func() any { return new(int16) }, nil, "integer 70000 is out of the range of int16"},
		{"2^31 into int32", "ce 80000000", func() any { return new(int32) }, nil, "integer 2147483648 is out of the range of int32"},
		{"2^60+1 into int32", "d3 1000000000000001", func() any { return new(int32) }, nil, "integer 1152921504606846977 is out of the range of int32"},
		{"2^60+1 into int64", "d3 1000000000000001", func() any { return new(int64) }, ptr[int64](1<<60 + 1), ""},
		{"uint64 max into int64", "cf ffffffffffffffff", func() any { return new(int64) }, nil, "integer 18446744073709551615 is out of the range of int64"},
		{"uint64 max into uint64", "cf ffffffffffffffff", func() any { return new(uint64) }, ptr[uint64](1<<64 - 1), ""},
		{"-1 into uint8", "ff", func() any { return new(uint8) }, nil, "integer -1 is out of the range of uint8"},
		{"-1 into uint64", "ff", func() any { return new(uint64) }, nil, "integer -1 is out of the range of uint64"},
		{"-1 into uint", "ff", func() any { return new(uint) }, nil, "integer -1 is out of the range of uint"},
		{"256 into uint8", "cd 0100", func() any { return new(uint8) }, nil, "integer 256 is out of the range of uint8"},
		{"2^32 into uint32", "cf 0000000100000000", func() any { return new(uint32) }, nil, "integer 4294967296 is out of the range of uint32"},
		{"2^60 into float64", "d3 1000000000000000", func() any { return new(float64) }, ptr[float64](1 << 60), ""},
		{"2^60+1 into float64", "d3 1000000000000001", func() any { return new(float64) }, nil, "integer 1152921504606846977 does not fit float64 exactly"},
		{"2^24+1 into float32", "ce 01000001", func() any { return new(float32) }, nil, "integer 16777217 does not fit float32 exactly"},
		{"2^24 into float32", "ce 01000000", func() any { return new(float32) }, ptr[float32](1 << 24), ""},
		{"struct field", "82 a161 cd0100 a175 90", func() any { return new(small) }, nil, "value.a: integer 256 is out of the range of int8"},
		{"slice element", "82 a161 01 a175 93 01 02 ce00011170", func() any { return new(small) }, nil, "value.u[3]: integer 70000 is out of the range of uint16"},
		{"map value", "81 a14d 81 a3612062 d3 1000000000000001", func() any { return new(withMap) }, nil, `value.M["a b"]: integer 1152921504606846977 does not fit float64 exactly`},
		{"negative into a slice of uint16", "82 a161 7f a175 92 00 ff", func() any { return new(small) }, nil, "value.u[2]: integer -1 is out of the range of uint16"},
		{"struct that fits exactly", "82 a161 7f a175 92 00 cd ffff", func() any { return new(small) }, &small{A: 127, U: []uint16{0, 65535}}, ""},
		{"pointer field path", "91 d3 1000000000000001", func() any { return new([]*float64) }, nil, "value[1]: integer 1152921504606846977 does not fit float64 exactly"},
		{"any keeps int64 exact", "91 d3 1000000000000001", func() any { return new(any) }, ptr[any]([]any{int64(1<<60 + 1)}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(strings.ReplaceAll(tt.hex, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.Set(ctx, "fit", b, 0); err != nil {
				t.Fatal(err)
			}
			dst := tt.dst()
			err = kv.Get(ctx, "fit", dst)
			if tt.want == nil {
				if !errors.Is(err, runtime.ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Get = %v (%#v), want ErrInvalid containing %q", err, dst, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dst, tt.want) {
				t.Errorf("got %#v, want %#v", dst, tt.want)
			}
		})
	}
}

// TestKVSetRefusesWhatLuaCannotHold checks that a Go integer a Lua number
// cannot hold exactly is refused, with its path, instead of reaching
// scripts rounded; one it holds is stored.
func TestKVSetRefusesWhatLuaCannotHold(t *testing.T) {
	ctx := context.Background()
	_, kv := cacheKV(t)
	tests := []struct {
		name string
		v    any
		err  string // "" when stored
	}{
		{"int64 2^53", int64(1 << 53), ""},
		{"int64 2^60", int64(1 << 60), ""},
		{"int64 2^53+1", int64(1<<53 + 1), "value: integer 9007199254740993 is beyond 2^53"},
		{"uint64 max", uint64(1<<64 - 1), "value: integer 18446744073709551615 is beyond 2^53"},
		{"nested", map[string]any{"ts": []int64{1, 1<<60 + 1}}, "value.ts[2]: integer 1152921504606846977 is beyond 2^53"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := kv.Set(ctx, "big", tt.v, 0)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, runtime.ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Set = %v, want ErrInvalid containing %q", err, tt.err)
			}
		})
	}
}
