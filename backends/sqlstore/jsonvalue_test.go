package sqlstore

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/sqldb"
	"github.com/luahost/luahost/internal/dbtest"
	"github.com/luahost/luahost/registry"
)

func mp(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unmp decodes MessagePack into plain Go values with every number as
// float64 (as Lua 5.1 holds them), for comparison.
func unmp(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %x: %v", b, err)
	}
	return floats(v)
}

func floats(v any) any {
	switch v := v.(type) {
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		return reflect.ValueOf(v).Convert(reflect.TypeOf(float64(0))).Float()
	case float32:
		return float64(v)
	case []any:
		for i := range v {
			v[i] = floats(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = floats(v[k])
		}
	}
	return v
}

func TestMsgpackToJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		noNUL   bool
		want    string
		wantErr string // path and reason; the error must be INVALID
	}{
		{"object", mp(t, map[string]any{"name": "ada"}), false, `{"name":"ada"}`, ""},
		{"array", mp(t, []any{1, "two", true}), false, `[1,"two",true]`, ""},
		{"nil in an array", mp(t, []any{1, nil, 3}), false, `[1,null,3]`, ""},
		{"nil map value", mp(t, map[string]any{"a": nil}), false, `{"a":null}`, ""},
		{"numbers", backends.EncodeNumber(-1.5), false, `-1.5`, ""},
		{"integral float", mp(t, 3.0), false, `3`, ""},
		{"2^53", mp(t, int64(1)<<53), false, `9007199254740992`, ""},
		{"unicode and escapes", mp(t, "é\n\"\x00"), false, `"é\n\"\u0000"`, ""},
		{"long string", mp(t, strings.Repeat("x", 70000)), false, `"` + strings.Repeat("x", 70000) + `"`, ""},
		{"beyond 2^53", mp(t, map[string]any{"n": int64(1)<<53 + 1}), false, "", "value.n: integer 9007199254740993 is beyond 2^53"},
		{"uint64", mp(t, uint64(math.MaxUint64)), false, "", "value: integer 18446744073709551615 is beyond 2^53"},
		{"integral float beyond 2^53", mp(t, 1e300), false, "", "value: integer 1e+300 is beyond 2^53"},
		{"small float", mp(t, 5e-324), false, "5e-324", ""},
		{"NaN", mp(t, []any{math.NaN()}), false, "", "value[1]: NaN has no JSON form"},
		{"inf", mp(t, map[string]any{"a b": math.Inf(-1)}), false, "", `value["a b"]: -Inf has no JSON form`},
		{"binary", mp(t, map[string]any{"blob": []byte{0xff, 0xfe}}), false, "", "value.blob: binary string (not UTF-8) has no JSON form"},
		{"non-UTF-8 str", []byte{0xa2, 0xff, 0xfe}, false, "", "value: binary string"},
		{"integer key", mp(t, map[int]string{1: "a", 5: "b"}), false, "", "value: map key is not a string"},
		{"NUL for jsonb", mp(t, []any{"a\x00b"}), true, "", "value[1]: string holds NUL"},
		{"NUL in a key for jsonb", mp(t, map[string]any{"a\x00b": 1}), true, "", "value: map key holds NUL"},
		{"NUL in a key for json", mp(t, map[string]any{"a\x00b": 1}), false, `{"a\u0000b":1}`, ""},
		{"extension", []byte{0xd4, 0x01, 0x00}, false, "", "value: MessagePack type 0xd4 has no JSON form"},
		{"truncated", []byte{0x92, 0x01}, false, "", "truncated"},
		{"trailing bytes", []byte{0x01, 0x02}, false, "", "1 unexpected bytes"},
		{"empty", nil, false, "", "truncated"},
		{"float32", mp(t, float32(0.1)), false, `0.10000000149011612`, ""},
		{"negative zero", mp(t, math.Copysign(0, -1)), false, "", "value: -0 has no JSON form that keeps its sign"},
		{"negative zero inside", mp(t, map[string]any{"a": []any{1.5, math.Copysign(0, -1)}}), false, "", "value.a[2]: -0 has no JSON form"},
		{"negative zero float32", []byte{0xca, 0x80, 0, 0, 0}, false, "", "value: -0 has no JSON form"},
		{"zero", backends.EncodeNumber(0), false, `0`, ""},
		{"HTML characters", mp(t, "<&>"), false, `"\u003c\u0026\u003e"`, ""},
		{"201 levels", append(bytes.Repeat([]byte{0x91}, 200), 0x90), false, strings.Repeat("[", 201) + strings.Repeat("]", 201), ""},
		{"202 levels", append(bytes.Repeat([]byte{0x91}, 201), 0x90), false, "", "]: nested deeper than 200"},
		{"nested path", mp(t, map[string]any{"a": []any{1, map[string]any{"x y": math.NaN()}}}), false, "", `value.a[2]["x y"]: NaN has no JSON form`},
		{"below -2^53", mp(t, int64(-1)<<53-1), false, "", "value: integer -9007199254740993 is beyond 2^53"},
		{"binary without its length", []byte{0x91, 0xc5}, false, "", "value[1]: binary string (not UTF-8) has no JSON form"},
		{"never-used byte", []byte{0xc1}, false, "", "value: MessagePack type 0xc1 has no JSON form"},
		{"extension without its length", []byte{0xc7}, false, "", "value: MessagePack type 0xc7 has no JSON form"},
		{"non-UTF-8 key", []byte{0x81, 0xa1, 0xff, 0x01}, false, "", "value: map key is not UTF-8"},
		{"binary key", []byte{0x81, 0xc4, 0x01, 'k', 0x01}, false, "", "value: map key is not a string"},
		{"truncated key", []byte{0x81, 0xd9, 0x05, 'a'}, false, "", "value: truncated MessagePack value"},
		{"truncated string", []byte{0xda, 0x00}, false, "", "value: truncated MessagePack value"},
		{"truncated float", []byte{0xcb, 0x00}, false, "", "value: truncated MessagePack value"},
		{"more elements than bytes", []byte{0x9f, 0x01, 0xc1}, false, "", "value[2]: MessagePack type 0xc1 has no JSON form"},
		{"more entries than bytes", []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'k', 0x01, 0x02}, false, "", "value: map key is not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := msgpackToJSON(tt.in, tt.noNUL)
			if tt.wantErr != "" {
				if !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want INVALID containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("= %s, %v; want %s", got, err, tt.want)
			}
			// And back: the same value.
			back, err := jsonToMsgpack(got)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := unmp(t, back), unmp(t, tt.in); !reflect.DeepEqual(a, b) {
				t.Errorf("round trip %v, want %v", a, b)
			}
		})
	}
}

func TestJSONToMsgpack(t *testing.T) {
	tests := []struct {
		in      string
		want    any
		wantErr string
	}{
		{`{"name":"ada","tags":["a","b"],"n":3,"f":0.25,"ok":false}`,
			map[string]any{"name": "ada", "tags": []any{"a", "b"}, "n": 3.0, "f": 0.25, "ok": false}, ""},
		{`-0`, math.Copysign(0, -1), ""},
		{`[-0.0, 0, -0e5]`, []any{math.Copysign(0, -1), 0.0, math.Copysign(0, -1)}, ""},
		{` 42 `, 42.0, ""},
		{`-9007199254740992`, -9007199254740992.0, ""},
		{`1e3`, 1000.0, ""},
		{`"\u00e9"`, "é", ""},
		{`{"a":{"b":[1,{"c":9007199254740993}]}}`, nil, "value.a.b[2].c: integer 9007199254740993 is beyond 2^53"},
		{`1e400`, nil, "value: number 1e400 is out of range"},
		{"1" + strings.Repeat("0", 400), nil, "value: integer 1e+400 (401 characters) is beyond 2^53"},
		{"-1" + strings.Repeat("0", 400) + ".5", nil, "value: number -1e+400 (404 characters) is out of range"},
		{`1e300`, nil, "value: integer 1e300 is beyond 2^53"},
		{`1.5e-300`, 1.5e-300, ""},
		{`{"a":`, nil, "value is not JSON"},
		{`1 2`, nil, "unexpected JSON after the value"},
		{`null`, nil, "value: JSON null is not a value a store holds"},
		{`[1,null,3]`, []any{1.0, nil, 3.0}, ""},
		{`{"a":null}`, map[string]any{"a": nil}, ""},
		{`[{"a":[true,null]}]`, []any{map[string]any{"a": []any{true, nil}}}, ""},
		{"\x93\x01", nil, "value is not JSON"}, // MessagePack in a JSON column
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := jsonToMsgpack([]byte(tt.in))
			if tt.wantErr != "" {
				if !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want INVALID containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v := unmp(t, got); !reflect.DeepEqual(v, tt.want) {
				t.Errorf("= %#v, want %#v", v, tt.want)
			}
		})
	}
}

// TestJSONNegativeZero checks the sign of zero through JSON: a -0 row
// written by another program reads back as -0 (as Lua's tonumber("-0")
// gives), and -0 is never written as 0.
func TestJSONNegativeZero(t *testing.T) {
	for _, in := range []string{`-0`, `-0.0`, `-0E3`} {
		b, err := jsonToMsgpack([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		f, err := backends.DecodeNumber(b)
		if err != nil || f != 0 || !math.Signbit(f) {
			t.Errorf("%s reads back as %v, %v; want -0", in, f, err)
		}
	}
	if b, err := jsonToMsgpack([]byte(`0`)); err != nil || !bytes.Equal(b, backends.EncodeNumber(0)) {
		t.Errorf("0 reads back as % x, %v; want 0", b, err)
	}
	if j, err := msgpackToJSON(backends.EncodeNumber(math.Copysign(0, -1)), false); !errors.Is(err, backends.ErrInvalid) {
		t.Errorf("-0 written as %s, %v; want INVALID", j, err)
	}
}

// jsonField returns the SQL that reads the string at $.name of the value
// column on dialect d.
func jsonField(d sqldb.Dialect, col, name string) string {
	switch d {
	case sqldb.Postgres:
		return col + "->>'" + name + "'"
	case sqldb.MySQL:
		return "JSON_UNQUOTE(JSON_EXTRACT(" + col + ", '$." + name + "'))"
	}
	return "json_extract(" + col + ", '$." + name + "')"
}

// TestJSONValueFormat: with value_format json, what the store writes is
// JSON that SQL reads inside, rows other programs write as JSON read
// back, incr works on JSON numbers, and values JSON cannot hold exactly
// are INVALID with nothing written.
func TestJSONValueFormat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		clk := newClock()
		s := newStore(t, db, Config{ValueFormat: ValueJSON, VersionColumn: "version"}, clk.Now)
		c := ctx(t)
		d := db.Dialect()
		q := d.Quote
		table, val, key := q(s.cfg.Table), q(s.cfg.PayloadColumn), q(s.cfg.IDColumn)
		keyArg := func(k string) any { return s.st.Load().keyArg(k) }
		param := func(n int) string {
			if d == sqldb.Postgres {
				return "$" + string(rune('0'+n))
			}
			return "?"
		}

		// The store writes JSON that SQL queries.
		if err := s.Set(c, "user:1", mp(t, map[string]any{"name": "ada", "age": 36}), 0); err != nil {
			t.Fatal(err)
		}
		var name string
		if err := db.DB().QueryRow("SELECT "+jsonField(d, val, "name")+" FROM "+table+" WHERE "+key+" = "+param(1), keyArg("user:1")).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != "ada" {
			t.Errorf("SQL reads name %q, want ada", name)
		}

		// Rows written as JSON by plain SQL read back.
		ins := "INSERT INTO " + table + " (" + key + ", " + val + ", " + q(s.cfg.ExpireColumn) + ", " + q("version") + ") VALUES (" + param(1) + ", " + param(2) + ", NULL, 1)"
		rows := map[string]struct {
			json string
			want any
		}{
			"w:obj":  {`{"id": 7, "tags": ["a", "b"], "deep": {"ok": true}}`, map[string]any{"id": 7.0, "tags": []any{"a", "b"}, "deep": map[string]any{"ok": true}}},
			"w:str":  {`"hello"`, "hello"},
			"w:num":  {`41`, 41.0},
			"w:frac": {`2.5`, 2.5},
		}
		for k, r := range rows {
			if _, err := db.DB().Exec(ins, keyArg(k), r.json); err != nil {
				t.Fatalf("insert %s: %v", k, err)
			}
		}
		for k, r := range rows {
			got, err := s.Get(c, k)
			if err != nil {
				t.Fatalf("Get(%s): %v", k, err)
			}
			if v := unmp(t, got); !reflect.DeepEqual(v, r.want) {
				t.Errorf("Get(%s) = %#v, want %#v", k, v, r.want)
			}
		}
		page, err := s.List(c, backends.ListOptions{Prefix: "w:"})
		if err != nil || len(page.Items) != len(rows) {
			t.Fatalf("List = %d items, %v", len(page.Items), err)
		}
		if it, err := s.Entry(c, "w:str"); err != nil || unmp(t, it.Value) != "hello" {
			t.Errorf("Entry = %v, %v", it, err)
		}

		// incr on JSON numbers, and SQL sees the result.
		for _, tt := range []struct {
			key   string
			delta float64
			want  float64
		}{{"w:num", 1, 42}, {"w:frac", 0.5, 3}, {"w:new", 5, 5}} {
			got, err := s.Incr(c, tt.key, tt.delta, backends.IncrOptions{})
			if err != nil || got != tt.want {
				t.Errorf("Incr(%s) = %v, %v; want %v", tt.key, got, err, tt.want)
			}
			var raw string
			if err := db.DB().QueryRow("SELECT "+val+" FROM "+table+" WHERE "+key+" = "+param(1), keyArg(tt.key)).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(raw) != formatJSONNumber(tt.want) {
				t.Errorf("%s holds %q after incr, want %s", tt.key, raw, formatJSONNumber(tt.want))
			}
		}
		if _, err := db.DB().Exec(ins, keyArg("w:big"), `9007199254740992`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Incr(c, "w:big", 1, backends.IncrOptions{}); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("Incr past 2^53 = %v, want INVALID", err)
		}
		if _, err := s.Incr(c, "w:obj", 1, backends.IncrOptions{}); !errors.Is(err, backends.ErrInvalid) {
			t.Errorf("Incr on an object = %v, want INVALID", err)
		}

		// A JSON row luahost cannot read exactly is INVALID, not altered.
		if _, err := db.DB().Exec(ins, keyArg("w:huge"), `{"n": 9007199254740993}`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(c, "w:huge"); !errors.Is(err, backends.ErrInvalid) || !strings.Contains(err.Error(), "value.n") {
			t.Errorf("Get of an integer beyond 2^53 = %v, want INVALID naming value.n", err)
		}
		// List still returns the page; the unreadable item carries the error.
		page, err = s.List(c, backends.ListOptions{Prefix: "w:"})
		if err != nil {
			t.Fatal(err)
		}
		var bad []string
		for _, it := range page.Items {
			if it.Err != nil {
				bad = append(bad, it.Key)
				if !errors.Is(it.Err, backends.ErrInvalid) || it.Value != nil {
					t.Errorf("item %s: %v, %x", it.Key, it.Err, it.Value)
				}
			}
		}
		if len(page.Items) != len(rows)+3 || len(bad) != 1 || bad[0] != "w:huge" {
			t.Errorf("List: %d items, unreadable %v; want %d, [w:huge]", len(page.Items), bad, len(rows)+3)
		}

		// What JSON cannot hold is refused, and the old value stays.
		for name, v := range map[string][]byte{
			"NaN":         mp(t, map[string]any{"x": math.NaN()}),
			"binary":      mp(t, []byte{0xff}),
			"integer key": mp(t, map[int]int{1: 1, 3: 3}),
		} {
			if err := s.Set(c, "w:str", v, 0); !errors.Is(err, backends.ErrInvalid) {
				t.Errorf("Set %s = %v, want INVALID", name, err)
			}
			if _, err := s.Put(c, "w:str", v, backends.PutOptions{}); !errors.Is(err, backends.ErrInvalid) {
				t.Errorf("Put %s = %v, want INVALID", name, err)
			}
		}
		if got, _ := s.Get(c, "w:str"); unmp(t, got) != "hello" {
			t.Errorf("w:str = %v after refused writes", unmp(t, got))
		}
	})
}

func formatJSONNumber(f float64) string {
	b, _ := msgpackToJSON(backends.EncodeNumber(f), false)
	return string(b)
}

// TestJSONFormatNeedsTextColumn: value_format json on a table whose value
// column is binary (a MessagePack table) fails to start for good, showing
// the JSON table; a JSON table made by hand starts.
func TestJSONFormatNeedsTextColumn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.Component) {
		for _, format := range []string{ValueMsgpack, ValueJSON} {
			table := dbtest.TableName(t) + "_" + format
			dropTable(t, db, table)
			if _, err := db.DB().Exec(Schema(Config{Table: table, ValueFormat: format}, db.Dialect())); err != nil {
				t.Fatal(err)
			}
			s, err := New(Config{Table: table, ValueFormat: ValueJSON}, db, Options{ID: "test:store"})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Start(ctx(t))
			if format == ValueJSON {
				if err != nil {
					t.Fatalf("JSON table: %v", err)
				}
				_ = s.Stop(ctx(t))
				continue
			}
			if !errors.Is(err, registry.ErrPermanent) || !strings.Contains(err.Error(), "does not hold JSON text") {
				t.Errorf("binary value column: %v, want a permanent error", err)
			}
		}
	})
}
