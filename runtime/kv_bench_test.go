package runtime_test

import (
	"context"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/luahost/luahost/runtime"
)

var benchUser = person{Name: "Ada", Tags: []string{"x", "y", "z"}, N: 3, Score: 0.5}

// BenchmarkMarshal compares Marshal, which also checks that a script can
// read the result, with plain msgpack.Marshal.
func BenchmarkMarshal(b *testing.B) {
	b.Run("checked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := runtime.Marshal(benchUser); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("msgpack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msgpack.Marshal(benchUser); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkKV is a Set and a Get of a small struct on a memory store.
func BenchmarkKV(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, memRegistry)
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var out person
	for b.Loop() {
		if err := kv.Set(ctx, "u", benchUser, 0); err != nil {
			b.Fatal(err)
		}
		if err := kv.Get(ctx, "u", &out); err != nil {
			b.Fatal(err)
		}
	}
}
