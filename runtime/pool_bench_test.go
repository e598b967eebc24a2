package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/luahost/luahost/runtime"
)

// BenchmarkRunString compares a small script on a pooled state (RunString)
// with the same script on a fresh state each time (Run).
func BenchmarkRunString(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, memRegistry)
	const code = `return 1`
	b.Run("pool", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.RunString(ctx, code); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A script that reads a library table: on a pooled state a run gets
	// its own copy of the libraries, which it hands on to the next run
	// when it leaves them unchanged (see the package doc, Isolation).
	b.Run("pool-library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.RunString(ctx, `return string.len("x")`); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pool-store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.RunString(ctx, `return store.get("app:cache"):set("k", 1)`); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := rt.Run(ctx, runtime.Script{Name: "bench", Source: strings.NewReader(code)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pool-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := rt.RunString(ctx, code); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
