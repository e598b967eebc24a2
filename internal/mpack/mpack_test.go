package mpack_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/luahost/luahost/internal/mpack"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppend(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		hex  string
	}{
		{"nil", mpack.AppendNil(nil), "c0"},
		{"true", mpack.AppendBool(nil, true), "c3"},
		{"false", mpack.AppendBool(nil, false), "c2"},
		{"int 0", mpack.AppendInt(nil, 0), "00"},
		{"int 127", mpack.AppendInt(nil, 127), "7f"},
		{"int 128", mpack.AppendInt(nil, 128), "cc 80"},
		{"int 256", mpack.AppendInt(nil, 256), "cd 0100"},
		{"int 65536", mpack.AppendInt(nil, 65536), "ce 00010000"},
		{"int 2^32", mpack.AppendInt(nil, 1<<32), "cf 0000000100000000"},
		{"int -32", mpack.AppendInt(nil, -32), "e0"},
		{"int -33", mpack.AppendInt(nil, -33), "d0 df"},
		{"int -129", mpack.AppendInt(nil, -129), "d1 ff7f"},
		{"int -32769", mpack.AppendInt(nil, -32769), "d2 ffff7fff"},
		{"int min", mpack.AppendInt(nil, math.MinInt64), "d3 8000000000000000"},
		{"number 5", mpack.AppendNumber(nil, 5), "05"},
		{"number 1.5", mpack.AppendNumber(nil, 1.5), "cb 3ff8000000000000"},
		{"number -0", mpack.AppendNumber(nil, math.Copysign(0, -1)), "cb 8000000000000000"},
		{"number 2^63", mpack.AppendNumber(nil, 1<<63), "cb 43e0000000000000"},
		{"number -2^63", mpack.AppendNumber(nil, -(1 << 63)), "d3 8000000000000000"},
		{"number inf", mpack.AppendNumber(nil, math.Inf(1)), "cb 7ff0000000000000"},
		{"str", mpack.AppendString(nil, "abc"), "a3 616263"},
		{"str 32", mpack.AppendString(nil, strings.Repeat("a", 32)), "d9 20" + strings.Repeat("61", 32)},
		{"str 256", mpack.AppendString(nil, strings.Repeat("a", 256))[:3], "da 0100"},
		{"str 65536", mpack.AppendString(nil, strings.Repeat("a", 65536))[:5], "db 00010000"},
		{"str utf-8 after ascii", mpack.AppendString(nil, "ab\u00e9"), "a4 6162c3a9"},
		{"bin", mpack.AppendString(nil, "\xff"), "c4 01 ff"},
		{"bin invalid after ascii", mpack.AppendString(nil, "ab\xff"), "c4 03 6162ff"},
		{"bin truncated rune", mpack.AppendString(nil, "ab\xc3"), "c4 03 6162c3"},
		{"bin invalid past 16 bytes", mpack.AppendString(nil, strings.Repeat("a", 16)+"\xff"), "c4 11" + strings.Repeat("61", 16) + "ff"},
		{"bin 256", mpack.AppendString(nil, strings.Repeat("\xff", 256))[:3], "c5 0100"},
		{"bin 65536", mpack.AppendString(nil, strings.Repeat("\xff", 65536))[:5], "c6 00010000"},
		{"array 0", mpack.AppendArrayLen(nil, 0), "90"},
		{"array 15", mpack.AppendArrayLen(nil, 15), "9f"},
		{"array 16", mpack.AppendArrayLen(nil, 16), "dc 0010"},
		{"array 65536", mpack.AppendArrayLen(nil, 65536), "dd 00010000"},
		{"map 15", mpack.AppendMapLen(nil, 15), "8f"},
		{"map 16", mpack.AppendMapLen(nil, 16), "de 0010"},
		{"map 65536", mpack.AppendMapLen(nil, 65536), "df 00010000"},
		{"appends", mpack.AppendInt([]byte{0x91}, 1), "91 01"},
	}
	for _, tt := range tests {
		if want := mustHex(t, tt.hex); !bytes.Equal(tt.got, want) {
			t.Errorf("%s: got % x, want % x", tt.name, tt.got, want)
		}
	}
}

// TestNextFormats decodes every MessagePack format, as other programs may
// write them.
func TestNextFormats(t *testing.T) {
	tests := []struct {
		hex  string
		want mpack.Token // Offset and Bytes are checked apart
		data string      // Bytes
	}{
		{"c0", mpack.Token{Type: mpack.Nil}, ""},
		{"c3", mpack.Token{Type: mpack.Bool, Bool: true}, ""},
		{"c2", mpack.Token{Type: mpack.Bool}, ""},
		{"7f", mpack.Token{Type: mpack.Int, Int: 127}, ""},
		{"ff", mpack.Token{Type: mpack.Int, Int: -1}, ""},
		{"cc ff", mpack.Token{Type: mpack.Int, Int: 255}, ""},
		{"cd ffff", mpack.Token{Type: mpack.Int, Int: 65535}, ""},
		{"ce ffffffff", mpack.Token{Type: mpack.Int, Int: math.MaxUint32}, ""},
		{"cf 7fffffffffffffff", mpack.Token{Type: mpack.Int, Int: math.MaxInt64}, ""},
		{"cf 8000000000000000", mpack.Token{Type: mpack.Uint, Uint: 1 << 63}, ""},
		{"d0 80", mpack.Token{Type: mpack.Int, Int: -128}, ""},
		{"d1 8000", mpack.Token{Type: mpack.Int, Int: math.MinInt16}, ""},
		{"d2 80000000", mpack.Token{Type: mpack.Int, Int: math.MinInt32}, ""},
		{"d3 8000000000000000", mpack.Token{Type: mpack.Int, Int: math.MinInt64}, ""},
		{"ca 3fc00000", mpack.Token{Type: mpack.Float, Float: 1.5}, ""},
		{"cb 3ff8000000000000", mpack.Token{Type: mpack.Float, Float: 1.5}, ""},
		{"a2 6869", mpack.Token{Type: mpack.Str}, "hi"},
		{"d9 02 6869", mpack.Token{Type: mpack.Str}, "hi"},
		{"da 0002 6869", mpack.Token{Type: mpack.Str}, "hi"},
		{"db 00000002 6869", mpack.Token{Type: mpack.Str}, "hi"},
		{"c4 01 ff", mpack.Token{Type: mpack.Bin}, "\xff"},
		{"c5 0001 ff", mpack.Token{Type: mpack.Bin}, "\xff"},
		{"c6 00000001 ff", mpack.Token{Type: mpack.Bin}, "\xff"},
		{"92 01 02", mpack.Token{Type: mpack.Array, Len: 2}, ""},
		{"dc 0001 01", mpack.Token{Type: mpack.Array, Len: 1}, ""},
		{"dd 00000001 01", mpack.Token{Type: mpack.Array, Len: 1}, ""},
		{"81 01 02", mpack.Token{Type: mpack.Map, Len: 1}, ""},
		{"de 0001 01 02", mpack.Token{Type: mpack.Map, Len: 1}, ""},
		{"df 00000001 01 02", mpack.Token{Type: mpack.Map, Len: 1}, ""},
		{"d4 05 aa", mpack.Token{Type: mpack.Ext, ExtType: 5}, "\xaa"},
		{"d6 ff 00000000", mpack.Token{Type: mpack.Ext, ExtType: -1}, "\x00\x00\x00\x00"},
		{"d8 01" + strings.Repeat("00", 16), mpack.Token{Type: mpack.Ext, ExtType: 1}, strings.Repeat("\x00", 16)},
		{"c7 02 07 aabb", mpack.Token{Type: mpack.Ext, ExtType: 7}, "\xaa\xbb"},
		{"c8 0002 07 aabb", mpack.Token{Type: mpack.Ext, ExtType: 7}, "\xaa\xbb"},
		{"c9 00000002 07 aabb", mpack.Token{Type: mpack.Ext, ExtType: 7}, "\xaa\xbb"},
	}
	for _, tt := range tests {
		b := mustHex(t, "01"+tt.hex) // a leading token, so offsets are not 0
		d := mpack.NewDecoder(b)
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
		got, err := d.Next()
		if err != nil {
			t.Errorf("% x: %v", b, err)
			continue
		}
		if string(got.Bytes) != tt.data {
			t.Errorf("% x: Bytes = %q, want %q", b, got.Bytes, tt.data)
		}
		if got.Offset != 1 {
			t.Errorf("% x: Offset = %d, want 1", b, got.Offset)
		}
		got.Bytes, got.Offset = nil, 0
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("% x: token %+v, want %+v", b, got, tt.want)
		}
		// Scalars and headers end where the value's head (plus payload) ends.
		if head := mpack.HeadLen(b[1]); got.Type != mpack.Array && got.Type != mpack.Map &&
			d.Offset() != 1+head+len(tt.data) {
			t.Errorf("% x: offset after = %d, want %d", b, d.Offset(), 1+head+len(tt.data))
		}
	}
}

func TestNextRejects(t *testing.T) {
	tests := []struct {
		name, hex string
		offset    int
		reason    string
	}{
		{"empty", "", 0, "ends in the middle"},
		{"never-used code", "c1", 0, "invalid MessagePack code 0xc1"},
		{"truncated float", "cb 3ff0", 3, "ends in the middle"},
		{"truncated int16", "d1 01", 2, "ends in the middle"},
		{"truncated str head", "da 00", 2, "ends in the middle"},
		{"truncated string", "a5 6162", 0, "string of 5 bytes but only 2 bytes left"},
		{"huge str32", "db ffffffff 61", 0, "string of 4294967295 bytes but only 1"},
		{"truncated bin", "c4 03 00", 0, "string of 3 bytes but only 1"},
		{"array longer than input", "93 01 02", 0, "array of 3 elements but only 2 bytes left"},
		{"huge array", "dd ffffffff 01", 0, "array of 4294967295 elements"},
		{"map longer than input", "82 01 02 03", 0, "map of 2 entries but only 3 bytes left"},
		{"huge map", "df ffffffff 01", 0, "map of 4294967295 entries"},
		{"truncated fixext", "d6 ff 0000", 4, "ends in the middle"},
		{"truncated ext8", "c7 05 01 00", 4, "ends in the middle"},
	}
	for _, tt := range tests {
		d := mpack.NewDecoder(mustHex(t, tt.hex))
		_, err := d.Next()
		var de *mpack.DecodeError
		if !errors.As(err, &de) || de.Offset != tt.offset || !strings.Contains(de.Reason, tt.reason) {
			t.Errorf("%s: Next() error = %v, want a *DecodeError at byte %d containing %q", tt.name, err, tt.offset, tt.reason)
			continue
		}
		if d.Offset() != 0 {
			t.Errorf("%s: a failed Next moved the decoder to %d", tt.name, d.Offset())
		}
	}
}

// TestTypeOfAndHeadLen checks the format tables against every byte, using
// what a general MessagePack library reads from a value starting with it.
func TestTypeOfAndHeadLen(t *testing.T) {
	for c := 0; c < 256; c++ {
		typ, head := mpack.TypeOf(byte(c)), mpack.HeadLen(byte(c))
		if c == 0xc1 {
			if typ != mpack.Invalid || head != 0 {
				t.Errorf("0xc1: %v, %d; want invalid, 0", typ, head)
			}
			continue
		}
		// Build a value: the format byte, a zero head, and a payload long
		// enough for any length field of zeros; a library decodes it.
		b := append([]byte{byte(c)}, make([]byte, head-1)...)
		if typ == mpack.Ext && c >= 0xd4 && c <= 0xd8 {
			b = append(b, make([]byte, 1<<(c-0xd4))...)
		}
		if c >= 0x80 && c <= 0x8f {
			b = append(b, bytes.Repeat([]byte{0xa0, 0x00}, c&0x0f)...) // "" = 0
		}
		if c >= 0x90 && c <= 0x9f || c >= 0xa0 && c <= 0xbf {
			b = append(b, make([]byte, c&0x1f)...)
		}
		var v any
		err := msgpack.Unmarshal(b, &v)
		if typ == mpack.Ext {
			continue // the library wants registered extension types
		}
		if err != nil {
			t.Errorf("0x%02x: library cannot read % x: %v", c, b, err)
			continue
		}
		tok, err := mpack.NewDecoder(b).Next()
		wantTok := typ
		if typ == mpack.Uint {
			wantTok = mpack.Int // a uint64 in the int64 range reads as Int
		}
		if err != nil || tok.Type != wantTok {
			t.Errorf("0x%02x: Next(% x) = %+v, %v; TypeOf says %v", c, b, tok, err, typ)
		}
		wantType := map[mpack.Type]string{
			mpack.Nil: "<nil>", mpack.Bool: "bool", mpack.Int: "int|uint", mpack.Uint: "uint",
			mpack.Float: "float", mpack.Str: "string", mpack.Bin: "[]uint8", mpack.Array: "[]interface {}",
			mpack.Map: "map",
		}[typ]
		if got := typeName(v); !strings.Contains("|"+wantType+"|", "|"+got+"|") {
			t.Errorf("0x%02x: library reads %s, TypeOf says %v", c, got, typ)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "<nil>"
	case bool:
		return "bool"
	case int8, int16, int32, int64:
		return "int"
	case uint8, uint16, uint32, uint64:
		return "uint"
	case float32, float64:
		return "float"
	case string:
		return "string"
	case []byte:
		return "[]uint8"
	case []any:
		return "[]interface {}"
	case map[string]any, map[any]any:
		return "map"
	}
	return "?"
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[mpack.Type]string{
		mpack.Invalid: "malformed value", mpack.Bin: "binary string", mpack.Ext: "extension value", mpack.Map: "map",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", typ, got, want)
		}
	}
}

// FuzzNext checks that Next never panics, never reads past the input, and
// that a whole value decodes to the same tokens after re-encoding scalars
// with the Append functions.
func FuzzNext(f *testing.F) {
	for _, s := range []string{"93 01 c0 a161", "82 a161 01 c3 90", "cb 3ff8000000000000", "d6 ff 00000000", "db ffffffff 61"} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := mpack.NewDecoder(b)
		for d.Remaining() > 0 {
			before := d.Offset()
			tok, err := d.Next()
			if err != nil {
				var de *mpack.DecodeError
				if !errors.As(err, &de) || d.Offset() != before {
					t.Fatalf("Next at %d: %v, offset now %d", before, err, d.Offset())
				}
				return
			}
			if d.Offset() <= before || d.Offset() > len(b) || tok.Offset != before {
				t.Fatalf("Next at %d moved to %d (len %d), token offset %d", before, d.Offset(), len(b), tok.Offset)
			}
			var re []byte
			switch tok.Type {
			case mpack.Int:
				re = mpack.AppendInt(nil, tok.Int)
			case mpack.Str:
				re = mpack.AppendString(nil, string(tok.Bytes))
			default:
				continue
			}
			back, err := mpack.NewDecoder(re).Next()
			if err != nil || back.Int != tok.Int || !bytes.Equal(back.Bytes, tok.Bytes) {
				t.Fatalf("re-encoded %+v as % x, which reads as %+v, %v", tok, re, back, err)
			}
		}
	})
}

func TestStringStart(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name      string
		b         []byte
		wantStart int
		wantOK    bool
	}{
		{"fixstr empty", mpack.AppendString(nil, ""), 1, true},
		{"fixstr", mpack.AppendString(nil, "value"), 1, true},
		{"fixstr 31", mpack.AppendString(nil, long(31)), 1, true},
		{"str8", mpack.AppendString(nil, long(32)), 2, true},
		{"str16", mpack.AppendString(nil, long(256)), 3, true},
		{"str32", mpack.AppendString(nil, long(1<<16)), 5, true},
		{"bin8", mpack.AppendString(nil, "\xff"), 2, true},
		{"bin16", mpack.AppendString(nil, "\xff"+long(300)), 3, true},
		{"bin32", mpack.AppendString(nil, "\xff"+long(1<<16)), 5, true},
		{"empty input", nil, 0, false},
		{"number", mpack.AppendNumber(nil, 1), 0, false},
		{"nil", mpack.AppendNil(nil), 0, false},
		{"array of a string", mpack.AppendString(mpack.AppendArrayLen(nil, 1), "a"), 0, false},
		{"trailing byte", append(mpack.AppendString(nil, "ab"), 0), 0, false},
		{"truncated payload", mpack.AppendString(nil, "abc")[:3], 0, false},
		{"truncated str8 head", []byte{0xd9}, 0, false},
		{"truncated str16 head", []byte{0xda, 0}, 0, false},
		{"truncated bin32 head", []byte{0xc6, 0, 0, 0}, 0, false},
		{"str32 length over input", []byte{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, ok := mpack.StringStart(tc.b)
			if ok != tc.wantOK || ok && start != tc.wantStart {
				t.Fatalf("StringStart(% x) = %d, %v; want %d, %v", tc.b[:min(len(tc.b), 8)], start, ok, tc.wantStart, tc.wantOK)
			}
			if s, sok := mpack.StringStart(string(tc.b)); s != start || sok != ok {
				t.Fatalf("StringStart of the string form = %d, %v; want %d, %v", s, sok, start, ok)
			}
			// Where it says ok, a Decoder reads the same string and nothing after.
			d := mpack.NewDecoder(tc.b)
			tok, err := d.Next()
			decoded := err == nil && (tok.Type == mpack.Str || tok.Type == mpack.Bin) && d.Remaining() == 0
			if decoded != ok {
				t.Fatalf("StringStart ok = %v, but Decoder reads a whole string: %v (err %v)", ok, decoded, err)
			}
			if ok && !bytes.Equal(tok.Bytes, tc.b[start:]) {
				t.Fatalf("payload %q, Decoder read %q", tc.b[start:], tok.Bytes)
			}
		})
	}
}

// TestTokenNumber checks which integers, in every integer format, a
// float64 (a Lua number) holds exactly.
func TestTokenNumber(t *testing.T) {
	tests := []struct {
		name  string
		hex   string
		want  float64
		exact bool
		str   string // IntString, "" for floats
	}{
		{"fixint", "7f", 127, true, "127"},
		{"negative fixint", "e0", -32, true, "-32"},
		{"uint8", "cc ff", 255, true, "255"},
		{"int8", "d0 80", -128, true, "-128"},
		{"uint16", "cd ffff", 65535, true, "65535"},
		{"int16", "d1 8000", -32768, true, "-32768"},
		{"uint32", "ce ffffffff", 4294967295, true, "4294967295"},
		{"int32", "d2 80000000", -2147483648, true, "-2147483648"},
		{"int64 2^53", "d3 0020000000000000", 1 << 53, true, "9007199254740992"},
		{"int64 2^53+1", "d3 0020000000000001", 1 << 53, false, "9007199254740993"},
		{"int64 2^60", "d3 1000000000000000", 1 << 60, true, "1152921504606846976"},
		{"int64 2^60+1", "d3 1000000000000001", 1 << 60, false, "1152921504606846977"},
		{"int64 -(2^53+1)", "d3 ffdfffffffffffff", -(1 << 53), false, "-9007199254740993"},
		{"int64 min", "d3 8000000000000000", -(1 << 63), true, "-9223372036854775808"},
		{"int64 max", "d3 7fffffffffffffff", 1 << 63, false, "9223372036854775807"},
		{"uint64 2^53+1", "cf 0020000000000001", 1 << 53, false, "9007199254740993"},
		{"uint64 2^63", "cf 8000000000000000", 1 << 63, true, "9223372036854775808"},
		{"uint64 max", "cf ffffffffffffffff", 1 << 64, false, "18446744073709551615"},
		{"uint64 2^64-2^11", "cf fffffffffffff800", 18446744073709549568, true, "18446744073709549568"},
		{"float32", "ca 3fc00000", 1.5, true, ""},
		{"float64", "cb 4340000000000001", 9007199254740994, true, ""},
	}
	for _, tt := range tests {
		tok, _, err := mpack.Read(mustHex(t, tt.hex))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		f, exact := tok.Number()
		if f != tt.want || exact != tt.exact {
			t.Errorf("%s: Number() = %v, %v; want %v, %v", tt.name, f, exact, tt.want, tt.exact)
		}
		if tt.str != "" && tok.IntString() != tt.str {
			t.Errorf("%s: IntString() = %q, want %q", tt.name, tok.IntString(), tt.str)
		}
	}
}
