package runtime

import (
	"context"
	"testing"
)

// BenchmarkIsolation measures what run isolation costs RunString: each
// script runs on a runtime whose pooled states isolate runs and on one
// whose states do not (runs there share globals and libraries, and skip
// even the per-run global table that earlier versions made), so the
// ratio of the two in one run is the cost, an upper bound of it against
// those versions.
func BenchmarkIsolation(b *testing.B) {
	ctx := context.Background()
	const reg = "- {name: cache, kind: store.memory}\n"
	newRT := func(shared bool) *Runtime {
		rt, err := New(ctx, WithRegistryString("bench.yaml", reg))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close(ctx) })
		rt.pool.shared = shared
		return rt
	}
	runtimes := []struct {
		name string
		rt   *Runtime
	}{{"isolated", newRT(false)}, {"shared", newRT(true)}}
	scripts := []struct{ name, code string }{
		{"return1", `return 1`},
		{"library", `return string.len("x")`},
		{"store", `return store.get("app:cache"):set("k", 1)`},
		{"globals", `a, b, c = 1, 2, 3 return a + b + c`},
	}
	for _, s := range scripts {
		for _, r := range runtimes {
			b.Run(s.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.rt.RunString(ctx, s.code); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
