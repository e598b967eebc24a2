package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
)

// TestConverterMatchesMessagePack checks that the values toLua builds
// directly are the ones the MessagePack path (as KV.Set stores them)
// gives.
func TestConverterMatchesMessagePack(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var nilMap map[string]any
	var nilSlice []any
	values := []struct {
		name string
		v    any
	}{
		{"string", "a\x00b"},
		{"bytes", []byte{0, 1, 0xff}},
		{"bool", false},
		{"int", -7},
		{"int64 beyond 2^53 on a float64", int64(1 << 60)},
		{"int32", int32(math.MinInt32)},
		{"uint64", uint64(1 << 63)},
		{"float64", 0.1},
		{"negative zero", math.Copysign(0, -1)},
		{"float32", float32(0.1)},
		{"empty map", map[string]any{}},
		{"empty slice", []any{}},
		{"map", map[string]any{"a": 1, "b": "x", "nil": nil, "nilmap": nilMap, "nested": map[string]any{"c": []any{1, nil, 3}}}},
		{"slice with holes", []any{nil, 2, nil, nilSlice, "x", nil}},
		{"map of strings", map[string]any{"q": map[string]string{"name": "Ada", "": "empty"}}},
		{"strings", []any{[]string{"a", "", "c"}, []string{}}},
		{"struct inside", map[string]any{"u": struct {
			A int `msgpack:"a"`
		}{3}}},
		{"typed map inside", []any{map[string]int{"n": 1}, map[int]string{1: "one", 3: "three"}}},
	}
	for _, tt := range values {
		t.Run(tt.name, func(t *testing.T) {
			direct, err := toLua(L, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			b, err := marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			viaMsgpack, err := luamod.Decode(L, b)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mustToGo(t, direct), mustToGo(t, viaMsgpack); !reflect.DeepEqual(got, want) {
				t.Errorf("direct %#v, through MessagePack %#v", got, want)
			}
			if tt.name == "negative zero" && !math.Signbit(float64(direct.(lua.LNumber))) {
				t.Errorf("-0 lost its sign")
			}
		})
	}
}

// TestConverterRefusesInexactIntegers checks that a Go integer a Lua
// number cannot hold exactly is refused with its path, directly and
// through MessagePack alike, never passed on rounded.
func TestConverterRefusesInexactIntegers(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		name string
		v    any
		err  string
	}{
		{"int", int(1<<53 + 1), "value: integer 9007199254740993 is beyond 2^53 and has no exact Lua number (the nearest is 9007199254740992)"},
		{"int64", int64(-(1<<60 + 1)), "value: integer -1152921504606846977 is beyond 2^53"},
		{"uint64", uint64(math.MaxUint64), "value: integer 18446744073709551615 is beyond 2^53 and has no exact Lua number (the nearest is 18446744073709551616)"},
		{"in a map", map[string]any{"a b": int64(1<<53 + 1)}, `value["a b"]: integer 9007199254740993`},
		{"in a slice", []any{1, map[string]any{"x": uint64(1<<53 + 1)}}, "value[2].x: integer 9007199254740993"},
		{"through MessagePack", []int64{0, 1<<53 + 1}, "value[2]: integer 9007199254740993"},
		{"struct", struct{ N uint64 }{1<<53 + 1}, "value.N: integer 9007199254740993"},
	}
	for _, tt := range tests {
		_, err := toLua(L, tt.v)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: toLua = %v, want ErrInvalid containing %q", tt.name, err, tt.err)
		}
	}
}

// TestConverterLimits checks that values too deep to store are refused,
// also when a map holds itself.
func TestConverterLimits(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	deep := any("leaf")
	for range luamod.MaxDepth + 1 {
		deep = []any{deep}
	}
	self := map[string]any{}
	self["self"] = self
	okDeep := any("leaf")
	for range luamod.MaxDepth {
		okDeep = map[string]any{"t": okDeep}
	}
	if _, err := toLua(L, okDeep); err != nil {
		t.Errorf("%d levels: %v", luamod.MaxDepth, err)
	}
	for name, v := range map[string]any{"too deep": deep, "holds itself": self} {
		if _, err := toLua(L, v); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Marshal(deep); !errors.Is(err, ErrInvalid) {
		t.Errorf("KV's encoding of too deep: %v, want ErrInvalid", err)
	}
}

// TestToGoScalarsMatchMessagePack checks that the scalars toGo converts
// directly come out as they do through MessagePack, as KV.Get gives them.
func TestToGoScalarsMatchMessagePack(t *testing.T) {
	values := []lua.LValue{
		lua.LNil, lua.LTrue, lua.LFalse, lua.LString(""), lua.LString("a\x00\xff"),
		lua.LNumber(0), lua.LNumber(math.Copysign(0, -1)), lua.LNumber(1), lua.LNumber(-1),
		lua.LNumber(0.5), lua.LNumber(1 << 53), lua.LNumber(1<<53 + 2), lua.LNumber(math.MaxUint32 + 1),
		lua.LNumber(1 << 62), lua.LNumber(1 << 63), lua.LNumber(-(1 << 63)), lua.LNumber(-(1 << 64)),
		lua.LNumber(math.Inf(1)), lua.LNumber(math.Inf(-1)), lua.LNumber(math.NaN()), lua.LNumber(1e300),
	}
	for _, v := range values {
		got := mustToGo(t, v)
		want, err := toGoEncoded(context.Background(), v)
		if err != nil {
			t.Fatal(err)
		}
		if v == lua.LNil {
			want = nil // nil cannot be stored
		}
		if reflect.TypeOf(got) != reflect.TypeOf(want) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v: %T %v, through MessagePack %T %v", v, got, got, want, want)
		}
		if f, ok := got.(float64); ok && math.Signbit(f) != math.Signbit(want.(float64)) {
			t.Errorf("%v: sign of %v lost", v, f)
		}
	}
}

// mustToGo is toGo outside any run, failing t on an error.
func mustToGo(t *testing.T, v lua.LValue) any {
	t.Helper()
	out, err := toGo(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
