package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// newRuntime returns a runtime on the registry text, closed when the test
// ends.
func newRuntime(t testing.TB, yaml string, opts ...runtime.Option) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(context.Background(), append([]runtime.Option{runtime.WithRegistryString("test.yaml", yaml)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return rt
}

// cacheKV returns a runtime on memRegistry and its store app:cache.
func cacheKV(t testing.TB) (*runtime.Runtime, *runtime.KV) {
	t.Helper()
	rt := newRuntime(t, memRegistry)
	kv, err := rt.Store(context.Background(), "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	return rt, kv
}

const memRegistry = `
- {name: cache, kind: store.memory}
- {name: small, kind: store.memory, max_size: 2}
- {name: db, kind: db.sql.sqlite, file: ":memory:"}
`

// luaEq is a Lua deep-equality helper: eq(a, b, path) raises naming the
// first difference.
const luaEq = `
local function eq(a, b, path)
  if type(a) ~= type(b) then error(path .. ": " .. type(a) .. " ~= " .. type(b)) end
  if type(a) ~= "table" then
    if a ~= b and not (a ~= a and b ~= b) then error(path .. ": " .. tostring(a) .. " ~= " .. tostring(b)) end
    return
  end
  for k, v in pairs(a) do eq(v, b[k], path .. "[" .. tostring(k) .. "]") end
  for k in pairs(b) do
    if a[k] == nil then error(path .. "[" .. tostring(k) .. "]: missing") end
  end
end
`

type person struct {
	Name  string   `msgpack:"name"`
	Tags  []string `msgpack:"tags"`
	N     int      `msgpack:"n"`
	Score float64  `msgpack:"score,omitempty"`
	Skip  string   `msgpack:"-"`
}

func TestLuaWritesGoReads(t *testing.T) {
	ctx := context.Background()
	rt, kv := cacheKV(t)
	tests := []struct {
		name string
		lua  string // a Lua expression
		dst  func() any
		want any
	}{
		{"struct", `{name="Ada", tags={"x","y"}, n=3}`, func() any { return new(person) },
			&person{Name: "Ada", Tags: []string{"x", "y"}, N: 3}},
		{"struct float from integral number", `{name="Ada", tags={}, n=3, score=2}`, func() any { return new(person) },
			&person{Name: "Ada", Tags: []string{}, N: 3, Score: 2}},
		{"map[string]any", `{name="Ada", tags={"x","y"}, n=3}`, func() any { return new(map[string]any) },
			&map[string]any{"name": "Ada", "tags": []any{"x", "y"}, "n": int64(3)}},
		{"any number kinds", `{1, -1, 200, 70000, 2^40, -2^40, 0.5, 1/0, 2^63}`, func() any { return new(any) },
			ptr[any]([]any{int64(1), int64(-1), int64(200), int64(70000), int64(1 << 40), int64(-1 << 40), 0.5, math.Inf(1), float64(1 << 63)})},
		{"any mixed keys", `{[1]="a", [3]="c", [true]=false, x={}}`, func() any { return new(any) },
			ptr[any](map[any]any{int64(1): "a", int64(3): "c", true: false, "x": []any{}})},
		{"empty table into map", `{}`, func() any { return new(map[string]any) }, &map[string]any{}},
		{"empty table into struct", `{}`, func() any { return new(person) }, &person{}},
		{"binary string", `"\255\0"`, func() any { return new(string) }, ptr("\xff\x00")},
		{"binary string as any", `"\255\0"`, func() any { return new(any) }, ptr[any]("\xff\x00")},
		{"number into int", `42`, func() any { return new(int) }, ptr(42)},
		{"number into uint8", `200`, func() any { return new(uint8) }, ptr[uint8](200)},
		{"bool", `true`, func() any { return new(bool) }, ptr(true)},
		{"nested", `{a={b={c={1,2,{d="e"}}}}}`, func() any { return new(any) },
			ptr[any](map[string]any{"a": map[string]any{"b": map[string]any{"c": []any{int64(1), int64(2), map[string]any{"d": "e"}}}}})},
		{"map in an any field", `{name="Ada", meta={a={b=1}, [true]="t", l={{x=0.5}}}}`, func() any { return new(withAny) },
			&withAny{Name: "Ada", Meta: map[any]any{"a": map[string]any{"b": int64(1)}, true: "t", "l": []any{map[string]any{"x": 0.5}}}}},
		{"struct with any field", `{name="Ada", tags={"x"}, n=1}`, func() any {
			return new(struct {
				Name string         `msgpack:"name"`
				Rest map[string]any `msgpack:"tags"`
			})
		}, nil}, // a sequence into a map: checked to fail below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "k:" + tt.name
			if _, err := rt.RunString(ctx, fmt.Sprintf(`assert(store.get("app:cache"):set(%q, %s))`, key, tt.lua)); err != nil {
				t.Fatal(err)
			}
			dst := tt.dst()
			err := kv.Get(ctx, key, dst)
			if tt.want == nil {
				if !errors.Is(err, runtime.ErrInvalid) {
					t.Fatalf("Get = %v, want an error matching ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dst, tt.want) {
				t.Errorf("got %#v\nwant %#v", dst, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// withAny has an interface field, which the msgpack library fills
// through the map decoder KV installs.
type withAny struct {
	Name string `msgpack:"name"`
	Meta any    `msgpack:"meta"`
}

func TestGoWritesLuaReads(t *testing.T) {
	ctx := context.Background()
	rt, kv := cacheKV(t)
	type inner struct {
		On bool `msgpack:"on"`
	}
	tests := []struct {
		name string
		v    any
		lua  string // the Lua value the script must read
	}{
		{"struct", person{Name: "Ada", Tags: []string{"x", "y"}, N: 3, Skip: "hidden"}, `{name="Ada", tags={"x","y"}, n=3}`},
		{"map", map[string]any{"name": "Ada", "n": 3, "f": 1.5, "ok": true}, `{name="Ada", n=3, f=1.5, ok=true}`},
		{"int keys", map[int]string{1: "a", 3: "c"}, `{[1]="a", [3]="c"}`},
		{"bool keys", map[bool]int{true: 1}, `{[true]=1}`},
		{"slice", []int{1, 2, 3}, `{1, 2, 3}`},
		{"array", [2]string{"a", "b"}, `{"a", "b"}`},
		{"empty slice", []int{}, `{}`},
		{"integral float", 3.0, `3`},
		{"uint64", uint64(1 << 40), `2^40`},
		{"negative", int8(-5), `-5`},
		{"nan", math.NaN(), `0/0`},
		{"bytes", []byte{0xff, 0}, `"\255\0"`},
		{"string", "héllo", `"héllo"`},
		{"false", false, `false`},
		{"nil map value leaves the key out", map[string]any{"a": nil, "b": 1}, `{b=1}`},
		{"nested struct", struct {
			In    inner            `msgpack:"in"`
			Items []map[string]int `msgpack:"items"`
		}{inner{true}, []map[string]int{{"x": 1}, {"y": 2}}}, `{["in"]={on=true}, items={{x=1}, {y=2}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "g:" + tt.name
			if err := kv.Set(ctx, key, tt.v, 0); err != nil {
				t.Fatal(err)
			}
			code := luaEq + fmt.Sprintf(`local v, err = store.get("app:cache"):get(%q)
if err then error(err) end
eq(v, %s, "value") return true`, key, tt.lua)
			res, err := rt.RunString(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0] != true {
				t.Fatalf("results %v", res)
			}
		})
	}
}

func TestRoundTripGoToGo(t *testing.T) {
	ctx := context.Background()
	_, kv := cacheKV(t)
	in := person{Name: "Ada", Tags: []string{"x"}, N: -7, Score: 0.25}
	if err := kv.Set(ctx, "p", in, time.Hour); err != nil {
		t.Fatal(err)
	}
	var out person
	if err := kv.Get(ctx, "p", &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("got %+v, want %+v", out, in)
	}
}

func TestKVErrors(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, memRegistry+fmt.Sprintf(`
- {name: gone, kind: db.sql.sqlite, file: %q}
- {name: broken, kind: store.sql, database: gone, table_name: kv, create_table: true, lifecycle: {restart: {max_attempts: 1}}}
`, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")))
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	small, err := rt.Store(ctx, "app:small")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if err := small.Set(ctx, k, 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		call func() error
		want []error
		text string
	}{
		{"missing key", func() error { var v any; return kv.Get(ctx, "missing", &v) }, []error{runtime.ErrNotFound}, "missing"},
		{"full store", func() error { return small.Set(ctx, "c", 1, 0) }, []error{runtime.ErrFull, runtime.ErrUnavailable}, ""},
		{"unknown entry", func() error { _, err := rt.Store(ctx, "app:cach"); return err }, []error{runtime.ErrNotFound}, `did you mean "app:cache"`},
		{"not a store", func() error { _, err := rt.Store(ctx, "app:db"); return err }, []error{runtime.ErrInvalid}, "not a store"},
		{"malformed ID", func() error { _, err := rt.Store(ctx, "cache"); return err }, []error{runtime.ErrInvalid}, "namespace:name"},
		{"unavailable database", func() error { _, err := rt.Store(ctx, "app:broken"); return err }, []error{runtime.ErrUnavailable}, "app:broken"},
		{"nil value", func() error { return kv.Set(ctx, "k", nil, 0) }, []error{runtime.ErrInvalid}, "nil"},
		{"time.Time", func() error { return kv.Set(ctx, "k", time.Now(), 0) }, []error{runtime.ErrInvalid}, "cannot be read by Lua"},
		{"channel", func() error { return kv.Set(ctx, "k", map[string]any{"c": make(chan int)}, 0) }, []error{runtime.ErrInvalid}, "chan"},
		{"empty key", func() error { return kv.Set(ctx, "", 1, 0) }, []error{runtime.ErrInvalid}, ""},
		{"negative ttl", func() error { return kv.Set(ctx, "k", 1, -time.Second) }, []error{runtime.ErrInvalid}, ""},
		{"non-pointer dst", func() error { var p person; return kv.Get(ctx, "p", p) }, []error{runtime.ErrInvalid}, "non-nil pointer"},
		{"fraction into int", func() error {
			if err := kv.Set(ctx, "frac", 2.5, 0); err != nil {
				return err
			}
			var n int
			return kv.Get(ctx, "frac", &n)
		}, []error{runtime.ErrInvalid}, "*int"},
		{"script raises a store error", func() error {
			_, err := rt.RunString(ctx, `local v, err = store.get("app:cache"):get("nope") error(err)`)
			return err
		}, []error{runtime.ErrNotFound}, "NOT_FOUND"},
		{"canceled context", func() error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			return kv.Set(cctx, "k", 1, 0)
		}, []error{context.Canceled}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q does not match %v", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
		})
	}
	// Nothing was written by the failed sets.
	if ok, err := kv.Exists(ctx, "k"); err != nil || ok {
		t.Errorf("Exists(k) = %v, %v after failed sets", ok, err)
	}
}

func TestKVDeleteExistsClear(t *testing.T) {
	ctx := context.Background()
	_, kv := cacheKV(t)
	for _, k := range []string{"a", "b"} {
		if err := kv.Set(ctx, k, k, 0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := kv.Delete(ctx, "a"); err != nil || !ok {
		t.Fatalf("Delete(a) = %v, %v", ok, err)
	}
	if ok, err := kv.Delete(ctx, "a"); err != nil || ok {
		t.Fatalf("second Delete(a) = %v, %v", ok, err)
	}
	if ok, err := kv.Exists(ctx, "b"); err != nil || !ok {
		t.Fatalf("Exists(b) = %v, %v", ok, err)
	}
	if err := kv.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := kv.Exists(ctx, "b"); err != nil || ok {
		t.Fatalf("Exists(b) after Clear = %v, %v", ok, err)
	}
	raw, err := kv.Raw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Set(ctx, "raw", []byte{0xa1, 'x'}, 0); err != nil { // MessagePack "x"
		t.Fatal(err)
	}
	var s string
	if err := kv.Get(ctx, "raw", &s); err != nil || s != "x" {
		t.Fatalf("Get(raw) = %q, %v", s, err)
	}
}

func TestRegistryProblem(t *testing.T) {
	_, err := runtime.New(context.Background(), runtime.WithRegistryString("bad.yaml", `
- {name: cache, kind: store.memory}
- {name: other, kind: store.memroy}
`))
	var re *registry.Error
	if !errors.As(err, &re) {
		t.Fatalf("New = %v, want a *registry.Error", err)
	}
	if len(re.Problems) == 0 {
		t.Fatal("no problems")
	}
	p := re.Problems[0]
	if p.Pos.File != "bad.yaml" || p.Pos.Line != 3 || p.Pos.Col == 0 {
		t.Errorf("problem at %s, want bad.yaml:3:<col>", p.Pos)
	}
	if !strings.Contains(err.Error(), "bad.yaml:3:") || !strings.Contains(err.Error(), "store.memroy") {
		t.Errorf("error %q does not name the position and the kind", err)
	}
}
