package luamod_test

import (
	"testing"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/luamod"
)

// BenchmarkValue encodes and decodes values of the shapes scripts store
// most: a short string, a number, a flat record and a list of records.
func BenchmarkValue(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	values := []struct{ name, expr string }{
		{"string", `"short value"`},
		{"number", `12345.5`},
		{"record", `{name = "Ada", born = 1815, score = 0.5, ok = true, tags = {"x", "y", "z"}}`},
		{"list", `(function() local t = {} for i = 1, 100 do t[i] = {id = i, name = "item " .. i, price = i * 1.5} end return t end)()`},
	}
	for _, v := range values {
		val := eval(b, L, v.expr)
		enc, err := luamod.Encode(val)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("encode/"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := luamod.Encode(val); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("decode/"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := luamod.Decode(L, enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
