package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luahost/luahost/luastd"
)

// TestNestedSourceIsRefused: source nested past luastd.MaxSyntaxLevels gets
// a clear error from every way the host compiles it, instead of a Go
// stack overflow that kills the process.
func TestNestedSourceIsRefused(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("nest.yaml", `[]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	const half = 1 << 20 // a 2 MB script
	srcs := map[string]string{
		"braces": "return " + strings.Repeat("{", half) + strings.Repeat("}", half),
		"calls":  "return " + strings.Repeat("f(", half/2) + strings.Repeat(")", half/2),
		"concat": "return " + strings.Repeat(`"a"..`, half/5) + `"a"`,
	}
	for name, src := range srcs {
		t.Run(name+"/RunString", func(t *testing.T) {
			_, err := rt.RunString(context.Background(), src)
			if err == nil || !strings.Contains(err.Error(), "chunk has too many syntax levels") {
				t.Fatalf("error %v, want too many syntax levels", err)
			}
		})
		t.Run(name+"/RunFile", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nested.lua")
			if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			err := rt.RunFile(context.Background(), path)
			if err == nil || !strings.Contains(err.Error(), path+":1: chunk has too many syntax levels") {
				t.Fatalf("error %v, want too many syntax levels at %s:1", err, path)
			}
		})
	}
}

// TestMemoryLimitIsTheCause: a script refused an allocation past its
// memory cap fails with an error that matches luastd.ErrMemoryLimit.
func TestMemoryLimitIsTheCause(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("mem.yaml", `[]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	ctx := luastd.WithMemoryLimit(context.Background(), 1<<20)
	_, err = rt.RunString(ctx, `return #string.rep("x", 2^21)`)
	if !errors.Is(err, luastd.ErrMemoryLimit) {
		t.Fatalf("error %v, want ErrMemoryLimit", err)
	}
	// Under the cap the same call works.
	out, err := rt.RunString(ctx, `return #string.rep("x", 2^19)`)
	if err != nil || len(out) != 1 {
		t.Fatalf("RunString = %v, %v", out, err)
	}
}
