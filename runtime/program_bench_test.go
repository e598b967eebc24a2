package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// BenchmarkCall compares Call of a compiled Program with RunString of the
// same source, for a one-line chunk and for a handler of about 2 KiB.
// RunString finds the compiled chunk in its cache, so the difference is
// the cache lookup (hashing the source under a lock); compiling anew each
// time is shown as "compile" for scale.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, memRegistry)
	handler := `local n = 0
` + strings.Repeat("-- a comment line of the kind a real handler carries\n", 30) + `
for i = 1, 10 do n = n + i end
return n`
	for _, c := range []struct{ name, code string }{
		{"line", `return 1 + 1`},
		{"handler", handler},
	} {
		p, err := runtime.Compile("bench.lua", c.code)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/Call", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.Call(ctx, p, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/RunString", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := rt.RunString(ctx, c.code); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/compile", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runtime.Compile("bench.lua", c.code); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/Call-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rt.Call(ctx, p, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(c.name+"/RunString-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rt.RunString(ctx, c.code); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	// Arguments go through the Go to Lua conversion: scalars directly,
	// tables through MessagePack.
	p, err := runtime.Compile("bench.lua", `local req = ... return req.method, req.query.name`)
	if err != nil {
		b.Fatal(err)
	}
	req := map[string]any{"method": "GET", "path": "/a", "query": map[string]string{"name": "Ada"}}
	b.Run("args/table", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.Call(ctx, p, []any{req}); err != nil {
				b.Fatal(err)
			}
		}
	})
	ps, err := runtime.Compile("bench.lua", `local a, b = ... return a .. b`)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("args/scalars", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.Call(ctx, ps, []any{"a", 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
