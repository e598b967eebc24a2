package storebench_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/luahost/luahost/runtime"
	"github.com/luahost/luahost/runtime/storebench"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		mix     bool
		want    string // the parsed value printed, or the error
		wantErr bool
	}{
		{in: "set,get", want: "[set get]"},
		{in: " list , put-if-version,incr", want: "[list put-if-version incr]"},
		{in: "set,sett", wantErr: true, want: `unknown operation "sett": want one of set, get, incr, put-if-version, list`},
		{in: "", wantErr: true, want: `unknown operation ""`},
		{in: "get,get", wantErr: true, want: `operation "get" is listed twice`},
		{in: "get=90,set=10", mix: true, want: "[{get 90} {set 10}]"},
		{in: "incr=1", mix: true, want: "[{incr 1}]"},
		{in: "get=90,set", mix: true, wantErr: true, want: `"set": want op=weight, e.g. get=90`},
		{in: "get=-1", mix: true, wantErr: true, want: `"get=-1": the weight must be a positive integer`},
		{in: "get=1.5", mix: true, wantErr: true, want: "positive integer"},
		{in: "put=1", mix: true, wantErr: true, want: `unknown operation "put"`},
		{in: "get=1,get=2", mix: true, wantErr: true, want: "listed twice"},
	}
	for _, tc := range tests {
		var got any
		var err error
		if tc.mix {
			got, err = storebench.ParseMix(tc.in)
		} else {
			got, err = storebench.ParseOps(tc.in)
		}
		switch {
		case tc.wantErr && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("parse %q: error %v, want one containing %q", tc.in, err, tc.want)
		case !tc.wantErr && err != nil:
			t.Errorf("parse %q: %v", tc.in, err)
		case !tc.wantErr && fmt.Sprint(got) != tc.want:
			t.Errorf("parse %q = %s, want %s", tc.in, fmt.Sprint(got), tc.want)
		}
	}
}

// TestRunProgressAndCleanup: Progress reports each phase while it runs
// and once when it ends, counts add up to the result, the benchmark's
// keys are gone afterwards while other keys stay, and no goroutine is
// left running.
func TestRunProgressAndCleanup(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	kv, err := rt.Store(ctx, "app:cache")
	if err != nil {
		t.Fatal(err)
	}
	if err := kv.Set(ctx, "mine", "keep me", 0); err != nil {
		t.Fatal(err)
	}
	for _, lua := range []bool{false, true} {
		var mu sync.Mutex
		var seen []storebench.Progress
		res, err := storebench.Run(ctx, rt, storebench.Config{
			Store: "app:cache", Ops: []storebench.Op{storebench.OpSet, storebench.OpIncr}, Keys: 100, ValueSize: 10,
			Clients: 2, Duration: 120 * time.Millisecond, Prefix: "b:", ListLimit: 10, Lua: lua, LuaBatch: 10,
			ProgressEvery: 20 * time.Millisecond,
			Progress: func(p storebench.Progress) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, p)
			},
		})
		if err != nil {
			t.Fatalf("lua %v: %v", lua, err)
		}
		mu.Lock()
		var done []storebench.Progress
		running := map[string]int{}
		for _, p := range seen {
			if p.Done {
				done = append(done, p)
			} else {
				running[p.Phase]++
			}
		}
		mu.Unlock()
		var phases []string
		for _, p := range done {
			phases = append(phases, p.Phase)
		}
		// The phases, then the deletion of the keys each wrote.
		if want := []string{"set", "incr", "delete keys", "delete counters"}; !slices.Equal(phases, want) {
			t.Fatalf("lua %v: final progress of %q, want %q", lua, phases, want)
		}
		if done[2].Ops != 100 || done[3].Ops != 100 {
			t.Errorf("lua %v: deleted %d keys and %d counters, want 100 each", lua, done[2].Ops, done[3].Ops)
		}
		for i, p := range res.Phases {
			if done[i].Ops != p.Ops {
				t.Errorf("lua %v: %s: final progress says %d calls, result %d", lua, p.Name, done[i].Ops, p.Ops)
			}
			if running[p.Name] == 0 {
				t.Errorf("lua %v: %s: no progress while running", lua, p.Name)
			}
		}
		st, err := kv.Raw(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"b:k:00", "b:k:99", "b:n:00", "b:n:99"} {
			if ok, err := st.Exists(ctx, k); ok || err != nil {
				t.Errorf("lua %v: %s left behind (exists %v, %v)", lua, k, ok, err)
			}
		}
		var mine string
		if err := kv.Get(ctx, "mine", &mine); err != nil || mine != "keep me" {
			t.Errorf("lua %v: the store's own key: %q, %v", lua, mine, err)
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	good := storebench.Config{Store: "app:cache", Ops: []storebench.Op{storebench.OpGet}, Keys: 1, Clients: 1,
		Duration: time.Millisecond, Prefix: "b:", ListLimit: 1}
	tests := []struct {
		name string
		edit func(*storebench.Config)
		want []string
	}{
		{"unknown store", func(c *storebench.Config) { c.Store = "app:other" }, []string{`no entry "app:other"`, "app:cache (store.memory)"}},
		{"every bad field", func(c *storebench.Config) {
			*c = storebench.Config{Keys: -1, ValueSize: -1, Requests: -1, Duration: -1, Lua: true}
		}, []string{"store:", "ops:", "keys -1", "value size -1", "clients 0", "duration -1ns", "requests -1", "prefix", "list limit 0", "lua batch 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			_, err := storebench.Run(ctx, rt, cfg)
			var ue *storebench.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a *UsageError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if !slices.Equal(storebench.Ops, []storebench.Op{"set", "get", "incr", "put-if-version", "list"}) {
		t.Errorf("Ops = %v", storebench.Ops)
	}
}

// TestRunCanceled: a canceled benchmark stops at once, returns the
// context's error and still deletes its keys.
func TestRunCanceled(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, lua := range []bool{false, true} {
		runCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		start := time.Now()
		_, err := storebench.Run(runCtx, rt, storebench.Config{
			Store: "app:cache", Ops: []storebench.Op{storebench.OpGet}, Keys: 50, Clients: 2,
			Duration: time.Hour, Prefix: "b:", ListLimit: 10, Lua: lua, LuaBatch: 10,
		})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("lua %v: error %v, want the context's", lua, err)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("lua %v: stopped after %v", lua, took)
		}
		kv, err := rt.Store(ctx, "app:cache")
		if err != nil {
			t.Fatal(err)
		}
		st, err := kv.Raw(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"b:k:00", "b:k:49"} {
			if ok, err := st.Exists(ctx, k); ok || err != nil {
				t.Errorf("lua %v: %s left behind (exists %v, %v)", lua, k, ok, err)
			}
		}
	}
}

// TestLuaKeysSpreadOverEveryKey: a Lua client's calls reach nearly every
// key, also when there are more keys than a Lua client's table of key
// draws used to hold (65,536).
func TestLuaKeysSpreadOverEveryKey(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 280,000 keys")
	}
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory, max_size: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	const keys = 70_000
	res, err := storebench.Run(ctx, rt, storebench.Config{
		Store: "app:cache", Ops: []storebench.Op{storebench.OpSet}, Keys: keys, ValueSize: 1,
		Clients: 1, Requests: 4 * keys, Prefix: "bench:", ListLimit: 100, Lua: true, LuaBatch: 1000, Keep: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 {
		t.Fatalf("%d calls failed", res.Failed())
	}
	out, err := rt.RunString(ctx, `return store.get("app:cache"):info().size`)
	if err != nil {
		t.Fatal(err)
	}
	// Four draws per key leave about e^-4 (1.8%) of the keys undrawn.
	if got := out[0].(int64); got < keys*96/100 {
		t.Errorf("the set phase wrote %d of %d keys, want at least 96%%", got, keys)
	}
}

// TestFirstErrorAtBothLevels: a failed call's first error reads as a
// script prints it, with its kind, at the Go level as at the Lua level.
func TestFirstErrorAtBothLevels(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: tiny, kind: store.memory, max_size: 10}\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, lua := range []bool{false, true} {
		res, err := storebench.Run(ctx, rt, storebench.Config{
			Store: "app:tiny", Ops: []storebench.Op{storebench.OpSet}, Keys: 100, ValueSize: 1,
			Clients: 1, Requests: 200, Prefix: "bench:", ListLimit: 100, Lua: lua, LuaBatch: 10,
		})
		if err != nil {
			t.Fatalf("lua %v: %v", lua, err)
		}
		p := res.Phases[0]
		if want := `UNAVAILABLE: store "app:tiny": the store is full (max_size 10)`; p.Errors == 0 || p.FirstError != want {
			t.Errorf("lua %v: %d errors, first %q; want some, first %q", lua, p.Errors, p.FirstError, want)
		}
	}
}

// BenchmarkGoLevel runs each operation at the Go level against a memory
// store, one call per b.N, so its allocs/op are the benchmark's own per
// call plus the store's (setup and cleanup of 1,000 keys are spread over
// b.N; run with -benchtime 200000x or more to make them negligible).
func BenchmarkGoLevel(b *testing.B) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml",
		"- {name: cache, kind: store.memory, max_size: 0}\n"))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, op := range storebench.Ops {
		b.Run(string(op), func(b *testing.B) {
			b.ReportAllocs()
			res, err := storebench.Run(ctx, rt, storebench.Config{
				Store: "app:cache", Ops: []storebench.Op{op}, Keys: 1000, ValueSize: 16,
				Clients: 1, Requests: int64(b.N), Prefix: "bench:", ListLimit: 10,
			})
			if err != nil {
				b.Fatal(err)
			}
			if n := res.Failed(); n > 0 {
				b.Fatalf("%d calls failed: %s", n, res.Phases[0].FirstError)
			}
		})
	}
}
