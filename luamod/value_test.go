package luamod_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/luamod"
)

// eval returns the value of a Lua expression.
func eval(t testing.TB, L *lua.LState, expr string) lua.LValue {
	t.Helper()
	if err := L.DoString("return " + expr); err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// same reports whether a and b are equal deep and by value: numbers by
// bits except that every nan equals every nan, tables by raw contents.
func same(a, b lua.LValue) bool {
	switch a := a.(type) {
	case lua.LNumber:
		b, ok := b.(lua.LNumber)
		if !ok {
			return false
		}
		if a != a || b != b {
			return a != a && b != b
		}
		return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
	case *lua.LTable:
		b, ok := b.(*lua.LTable)
		if !ok {
			return false
		}
		n, equal := 0, true
		a.ForEach(func(k, v lua.LValue) {
			n++
			if equal && !same(v, b.RawGet(k)) {
				equal = false
			}
		})
		b.ForEach(func(_, _ lua.LValue) { n-- })
		return equal && n == 0
	}
	return a == b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodeBytes pins the MessagePack bytes of values whose encoding has
// one order.
func TestEncodeBytes(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct{ expr, hex string }{
		{`true`, "c3"},
		{`false`, "c2"},
		{`0`, "00"},
		{`127`, "7f"},
		{`128`, "cc 80"},
		{`-1`, "ff"},
		{`-32`, "e0"},
		{`-33`, "d0 df"},
		{`65536`, "ce 00010000"},
		{`2^32`, "cf 0000000100000000"},
		{`-2^31 - 1`, "d3 ffffffff7fffffff"},
		{`-2^63`, "d3 8000000000000000"},
		{`2^63`, "cb 43e0000000000000"},
		{`1.5`, "cb 3ff8000000000000"},
		{`0 * -1`, "cb 8000000000000000"},
		{`1/0`, "cb 7ff0000000000000"},
		{`-1/0`, "cb fff0000000000000"},
		{`""`, "a0"},
		{`"abc"`, "a3 616263"},
		{`"h\195\169"`, "a3 68c3a9"},
		{`"\255"`, "c4 01 ff"},
		{`"\195"`, "c4 01 c3"},
		{`string.rep("a", 32)`, "d9 20" + strings.Repeat("61", 32)},
		{`{}`, "90"},
		{`{1, "a", true}`, "93 01 a161 c3"},
		{`{{}}`, "91 90"},
		{`{x = 1}`, "81 a178 01"},
		{`{[2] = "b"}`, "81 02 a162"},
		{`{[1.5] = false}`, "81 cb3ff8000000000000 c2"},
		{`{[true] = 1}`, "81 c3 01"},
		{`{["1"] = 1}`, "81 a131 01"},
	}
	for _, tc := range tests {
		got, err := luamod.Encode(eval(t, L, tc.expr))
		if err != nil {
			t.Errorf("Encode(%s): %v", tc.expr, err)
			continue
		}
		if want := mustHex(t, tc.hex); !bytes.Equal(got, want) {
			t.Errorf("Encode(%s) = % x, want % x", tc.expr, got, want)
		}
	}
}

// TestEncodeReadableElsewhere decodes what Encode writes with a general
// MessagePack decoder, as a program in another language would. (Loose
// decoding reads fixints as int64, other non-negative integers as uint64,
// and bin as string.)
func TestEncodeReadableElsewhere(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		expr string
		want any
	}{
		{`{name = "Ada", born = 1815, score = 0.5, ok = true}`,
			map[any]any{"name": "Ada", "born": uint64(1815), "score": 0.5, "ok": true}},
		{`{"a", {"b", "c"}, {}}`, []any{"a", []any{"b", "c"}, []any{}}},
		{`{[1] = "one", ["1"] = "string one", [3] = "three"}`,
			map[any]any{int64(1): "one", "1": "string one", int64(3): "three"}},
		{`{bin = "\0\255"}`, map[any]any{"bin": "\x00\xff"}}, // bin, read loosely as a string
		{`-5`, int64(-5)},
		{`2^64`, float64(1 << 64)},
	}
	for _, tc := range tests {
		b, err := luamod.Encode(eval(t, L, tc.expr))
		if err != nil {
			t.Fatalf("Encode(%s): %v", tc.expr, err)
		}
		dec := msgpack.NewDecoder(bytes.NewReader(b))
		dec.UseLooseInterfaceDecoding(true)
		dec.SetMapDecoder(looseMap)
		got, err := dec.DecodeInterfaceLoose()
		if err != nil {
			t.Fatalf("decode Encode(%s): %v", tc.expr, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Encode(%s) reads as %#v, want %#v", tc.expr, got, tc.want)
		}
	}
}

// looseMap decodes a MessagePack map with any keys, numbers as int64,
// uint64 or float64.
func looseMap(d *msgpack.Decoder) (any, error) {
	n, err := d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	m := make(map[any]any, n)
	for range n {
		k, err := d.DecodeInterfaceLoose()
		if err != nil {
			return nil, err
		}
		if m[k], err = d.DecodeInterfaceLoose(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func TestRoundTrip(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	exprs := []string{
		`true`, `false`, `0`, `-0.0 * 1`, `0 * -1`, `1`, `-1`, `2^53 + 2`, `-2^63`, `2^63`, `2^64`,
		`0/0`, `1/0`, `-1/0`, `1e-310`, `math.pi`, `""`, `"x"`, `"\0\1\2\255"`,
		`string.rep("\200", 70000)`, `string.rep("é", 40000)`,
		`{}`, `{{}, {{}}}`, `{1, 2, 3}`, `{1, nil, 3}`, `{[0] = 0}`, `{[-1] = 1}`, `{[1e300] = 1}`,
		`{[1.5] = 1.5, [2^63] = "big"}`, `{a = {b = {c = {d = "deep"}}}}`,
		`{[true] = false, [false] = true}`, `{["\255"] = "\255"}`, `{[2^26] = 1}`,
		`{[1048577] = 1}`,
	}
	for _, expr := range exprs {
		v := eval(t, L, expr)
		b, err := luamod.Encode(v)
		if err != nil {
			t.Errorf("Encode(%s): %v", expr, err)
			continue
		}
		got, err := luamod.Decode(L, b)
		if err != nil {
			t.Errorf("Decode(Encode(%s)): %v", expr, err)
			continue
		}
		if !same(got, v) {
			t.Errorf("Decode(Encode(%s)) = %v, want %v", expr, got, v)
		}
	}
}

func TestEncodeInvalid(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
		cyc = {}; cyc.me = cyc
		deep = {}; local t = deep; for i = 2, 101 do t[1] = {}; t = t[1] end
		ok100 = {}; t = ok100; for i = 2, 100 do t[1] = {}; t = t[1] end
		sparse = {[1048578] = true}
		sparse1 = {[600000] = true}
		shared = {}; t = shared; for i = 1, 20 do t = {t, t} end; shared = t
	`); err != nil {
		t.Fatal(err)
	}
	defer luamod.SetMaxElements(100000)()
	tests := []struct{ expr, path, reason string }{
		{`nil`, "value", "nil cannot be stored"},
		{`print`, "value", "a function cannot be stored"},
		{`coroutine.create(print)`, "value", "a thread cannot be stored"},
		{`{items = {1, 2, print}}`, "value.items[3]", "a function"},
		{`{["a b"] = print}`, `value["a b"]`, "a function"},
		{`{[true] = print}`, `value[true]`, "a function"},
		{`{[1.5] = {x = print}}`, `value[1.5].x`, "a function"},
		{`{["end"] = print}`, `value["end"]`, "a function"},
		{`{["\0"] = print}`, `value["\x00"]`, "a function"},
		{`{x = {[{}] = 1}}`, "value.x", "table key of type table"},
		{`{[print] = 1}`, "value", "table key of type function"},
		{`cyc`, "value.me", "cycle"},
		{`{cyc}`, "value[1].me", "cycle"},
		{`deep`, "value" + strings.Repeat("[1]", 100), "deeper than 100 levels"},
		{`sparse`, "value", "leaves 1048577 missing keys"},
		{`{sparse1, sparse1}`, "value[2]", "over the limit of 1048576 for a whole value"},
		{`shared`, "value", "over 100000 elements"},
	}
	for _, tc := range tests {
		_, err := luamod.Encode(eval(t, L, tc.expr))
		var ve *luamod.ValueError
		if !errors.As(err, &ve) {
			t.Errorf("Encode(%s) error = %v, want a *ValueError", tc.expr, err)
			continue
		}
		if !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("Encode(%s) error does not wrap backends.ErrInvalid", tc.expr)
		}
		if ve.Path != tc.path || !strings.Contains(ve.Reason, tc.reason) {
			t.Errorf("Encode(%s) = %q, want path %s and a reason containing %q", tc.expr, err, tc.path, tc.reason)
		}
	}
	if _, err := luamod.Encode(nil); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("Encode(nil) = %v, want an error wrapping ErrInvalid", err)
	}
	if _, err := luamod.Encode(eval(t, L, `ok100`)); err != nil {
		t.Errorf("Encode of 100 levels: %v", err)
	}
}

// TestDecodeForeign decodes MessagePack a Lua script could not have
// written: other programs' values, damaged bytes.
func TestDecodeForeign(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct {
		name, hex string
		want      string // Lua expression, or "" when an error is expected
		err       string
	}{
		{"nil inside an array", "93 01 c0 03", `{1, nil, 3}`, ""},
		{"trailing nils", "92 01 c0", `{1}`, ""},
		{"nil map value", "82 a161 c0 a162 02", `{b = 2}`, ""},
		{"float32", "ca 3fc00000", `1.5`, ""},
		{"float32 in a table", "91 ca 3fc00000", `{1.5}`, ""},
		{"uint64 2^63", "cf 8000000000000000", `2^63`, ""},
		{"uint64 in a table", "91 cf fffffffffffff800", `{2^64 - 2^11}`, ""},
		{"int64 2^60, exact as a float64", "d3 1000000000000000", `2^60`, ""},
		{"int64 min", "d3 8000000000000000", `-2^63`, ""},
		{"bin in a table", "91 c4 02 00ff", `{"\0\255"}`, ""},
		{"str32", "db 00000001 61", `"a"`, ""},
		{"map16", "de 0001 a161 01", `{a = 1}`, ""},
		{"array16", "dc 0002 01 02", `{1, 2}`, ""},
		{"int and float keys collide", "82 01 a161 cb3ff0000000000000 a162", `{"b"}`, ""},
		{"empty map", "80", `{}`, ""},
		{"empty input", "", "", "no data"},
		{"top-level nil", "c0", "", "value is nil"},
		{"never-used code", "c1", "", "invalid MessagePack code 0xc1"},
		{"timestamp extension", "d6 ff 00000000", "", "extension type -1"},
		{"extension in a table", "91 d4 05 00", "", "extension type 5"},
		{"nil map key", "81 c0 01", "", "map key is nil"},
		{"table map key", "81 90 01", "", "map key is a table"},
		{"nan map key", "81 cb 7ff8000000000001 01", "", "map key is nan"},
		{"trailing bytes", "01 02", "", "1 unexpected bytes"},
		{"trailing bytes after a table", "90 02 03", "", "2 unexpected bytes"},
		{"truncated string", "a5 6162", "", "string of 5 bytes but only 2"},
		{"truncated str32", "db ffffffff 61", "", "string of 4294967295 bytes"},
		{"truncated float", "cb 3ff0", "", "ends in the middle"},
		{"truncated array", "93 01 02", "", "array of 3 elements but only 2 bytes"},
		{"truncated inside an array", "92 01 cb 3ff000", "", "ends in the middle"},
		{"huge array length", "dd ffffffff 01", "", "array of 4294967295 elements"},
		{"huge map length", "df ffffffff 01", "", "map of 4294967295 entries"},
		{"sparse map key", "81 ce 03ffffff c3", "", "integer key 67108863 leaves"},
		{"sparse nils", "dc 0003 c0 c0 01", `{[3] = 1}`, ""},
		{"sparse maps add up", "92 81 ce 00080000 c3 81 ce 00080010 c3", "", "integer key 524304 leaves more missing keys"},
		{"too deep", strings.Repeat("91", 101) + "90", "", "deeper than 100 levels"},
		{"deep enough", strings.Repeat("91", 99) + "90", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := luamod.Decode(L, mustHex(t, tc.hex))
			if tc.err != "" {
				var de *luamod.DecodeError
				if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Decode = %v, %v; want a *DecodeError containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tc.want != "" {
				if want := eval(t, L, tc.want); !same(got, want) {
					t.Errorf("Decode = %v, want %s", got, tc.want)
				}
			}
		})
	}
}

// TestDecodeInexactIntegers decodes integers other programs wrote that a
// Lua number cannot hold exactly, in every format and place: each is a
// *ValueError (INVALID) naming the path and the exact integer, never a
// rounded number.
func TestDecodeInexactIntegers(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	tests := []struct{ name, hex, path, reason string }{
		{"int64 2^60+1", "d3 1000000000000001", "value",
			"integer 1152921504606846977 is beyond 2^53 and has no exact Lua number (the nearest is 1152921504606846976)"},
		{"int64 2^53+1", "d3 0020000000000001", "value", "integer 9007199254740993 is beyond 2^53"},
		{"int64 -(2^53+1)", "d3 ffdfffffffffffff", "value", "integer -9007199254740993 is beyond 2^53"},
		{"int64 max", "d3 7fffffffffffffff", "value", "integer 9223372036854775807 is beyond 2^53"},
		{"uint64 2^53+1", "cf 0020000000000001", "value", "integer 9007199254740993 is beyond 2^53"},
		{"uint64 max", "cf ffffffffffffffff", "value",
			"integer 18446744073709551615 is beyond 2^53 and has no exact Lua number (the nearest is 18446744073709551616)"},
		{"in an array", "93 01 02 d3 1000000000000001", "value[3]", "integer 1152921504606846977"},
		{"in a map", "81 a161 d3 1000000000000001", "value.a", "integer 1152921504606846977"},
		{"nested", "81 a3612062 92 c3 81 c3 cf 0020000000000001", `value["a b"][2][true]`, "integer 9007199254740993"},
		{"under a number key", "81 cb 3ff8000000000000 d3 1000000000000001", "value[1.5]", "integer 1152921504606846977"},
		{"map key", "81 a161 81 d3 1000000000000001 01", "value.a", "map key: integer 1152921504606846977"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := luamod.Decode(L, mustHex(t, tc.hex))
			var ve *luamod.ValueError
			if !errors.As(err, &ve) || !errors.Is(err, backends.ErrInvalid) {
				t.Fatalf("Decode = %v, %v; want a *ValueError wrapping ErrInvalid", got, err)
			}
			if ve.Path != tc.path || !strings.Contains(ve.Reason, tc.reason) {
				t.Errorf("Decode error = %q, want path %s and a reason containing %q", err, tc.path, tc.reason)
			}
		})
	}
}

// TestDecodeSparseLimit checks that Decode accepts exactly what Encode
// does for tables with missing integer keys.
func TestDecodeSparseLimit(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, key := range []int{luamod.MaxHoles + 1, luamod.MaxHoles + 2} {
		v := L.NewTable()
		v.RawSetInt(key, lua.LTrue)
		encErr := func() error { _, err := luamod.Encode(v); return err }()
		b := append([]byte{0x81, 0xce, byte(key >> 24), byte(key >> 16), byte(key >> 8), byte(key)}, 0xc3)
		_, decErr := luamod.Decode(L, b)
		if (encErr == nil) != (decErr == nil) {
			t.Errorf("key %d: Encode error %v, Decode error %v; want both or neither", key, encErr, decErr)
		}
	}
}

func TestDecodeCopiesInput(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	for _, h := range []string{"a3 616263", "91 a3 616263", "81 a3 616263 a3 646566"} {
		b := mustHex(t, h)
		v, err := luamod.Decode(L, b)
		if err != nil {
			t.Fatal(err)
		}
		before := v.String()
		if tb, ok := v.(*lua.LTable); ok {
			before = fmtTable(tb)
		}
		for i := range b {
			b[i] = 'z'
		}
		after := v.String()
		if tb, ok := v.(*lua.LTable); ok {
			after = fmtTable(tb)
		}
		if before != after {
			t.Errorf("Decode(%s) result changed with its input: %s -> %s", h, before, after)
		}
	}
}

func fmtTable(t *lua.LTable) string {
	var sb strings.Builder
	t.ForEach(func(k, v lua.LValue) { sb.WriteString(k.String() + "=" + v.String() + ";") })
	return sb.String()
}

// TestNumbersMatchBackends checks that a number a script stores and one a
// backend writes (incr) are the same bytes, and read back the same.
func TestNumbersMatchBackends(t *testing.T) {
	values := []float64{
		0, math.Copysign(0, -1), 1, -1, 31, 32, -32, -33, 127, 128, 255, 256, 65535, 65536,
		-128, -129, -32768, -32769, 1 << 31, -(1 << 31), 1<<32 - 1, 1 << 32, 1 << 53, -(1 << 53),
		1<<63 - 1024, -(1 << 63), 1 << 63, 0.5, -2.25, 1e300, math.SmallestNonzeroFloat64,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
	}
	// And a spread of magnitudes, integral and not.
	for e := -20; e <= 70; e++ {
		f := math.Ldexp(1, e)
		values = append(values, f, -f, math.Trunc(f*1.37), f*1.37)
	}
	L := lua.NewState()
	defer L.Close()
	for _, f := range values {
		want := backends.EncodeNumber(f)
		got, err := luamod.Encode(lua.LNumber(f))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Encode(%v) = % x, %v; backends.EncodeNumber = % x", f, got, err, want)
		}
		v, err := luamod.Decode(L, want)
		n, ok := v.(lua.LNumber)
		if err != nil || !ok || math.Float64bits(float64(n)) != math.Float64bits(f) && !(math.IsNaN(f) && math.IsNaN(float64(n))) {
			t.Errorf("Decode(EncodeNumber(%v)) = %v, %v", f, v, err)
		}
		back, err := backends.DecodeNumber(got)
		if err != nil || math.Float64bits(back) != math.Float64bits(f) && !(math.IsNaN(f) && math.IsNaN(back)) {
			t.Errorf("backends.DecodeNumber(Encode(%v)) = %v, %v", f, back, err)
		}
	}
}
