package memory_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/backends"
	"github.com/luahost/luahost/backends/memory"
)

// benchStore is what BenchmarkStructures calls on a store.
type benchStore interface {
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Get(ctx context.Context, key string) ([]byte, error)
	List(ctx context.Context, opts backends.ListOptions) (backends.Page, error)
	Len() int
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// impls are the stores BenchmarkStructures compares: the package's own
// (open-addressing table, 4-ary heap, B-tree of slot numbers) and libStore
// (Go map, container/heap, tidwall/btree).
var impls = []struct {
	name string
	new  func(memory.Options) benchStore
}{
	{"ours", func(o memory.Options) benchStore {
		s, err := memory.New(o)
		if err != nil {
			panic(err)
		}
		return s
	}},
	{"lib", func(o memory.Options) benchStore { return newLibStore(o) }},
}

// storeOp does one get or set (op) of key on s, failing tb on an error.
func storeOp(tb testing.TB, ctx context.Context, s benchStore, op, key string, value []byte) {
	var err error
	if op == "get" {
		_, err = s.Get(ctx, key)
	} else {
		err = s.Set(ctx, key, value, time.Hour)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// fillStore sets keys [from, to) with value and ttl.
func fillStore(tb testing.TB, s benchStore, from, to int, value []byte, ttl time.Duration) {
	tb.Helper()
	ctx := context.Background()
	var kb keyBuf
	for i := from; i < to; i++ {
		if err := s.Set(ctx, kb.key(i), value, ttl); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkStructures compares the package's data structures with a map,
// container/heap and tidwall/btree (libStore) on the figures the store
// promises; each figure runs both stores one after the other:
//
//   - fig=memory: heap bytes per entry at 1M entries of 16-byte keys and
//     100-byte values with a TTL (B/entry), measured once per store while
//     filling the 1M stores the next figures share (the figure does not
//     vary between runs);
//   - fig=get, fig=set: ns/op at 1k and 1M entries, keys spread uniformly
//     (set overwrites a live key with a TTL);
//   - fig=list: a page of 100 among the keys of a prefix one tenth of a 1M
//     store matches, after a random key;
//   - fig=expiry: the time the cleanup loop takes to remove 1M entries
//     that expired at once (ns/entry, and the whole window in ms).
//
// Each figure also reports the process's CPU time per operation or entry
// (cpu-ns/op, cpu-ns/entry), which a loaded machine disturbs less than
// wall time.
//
// Compare the impls as ratios within one run:
//
//	go test ./backends/memory -run '^$' -bench BenchmarkStructures -count 5
func BenchmarkStructures(b *testing.B) {
	const big = 1000000
	value := make([]byte, 100)
	ctx := context.Background()
	// The 1M stores are filled once, here, and shared by the figures
	// below: every run of a figure would otherwise refill one.
	stores := make([]benchStore, len(impls))
	perEntry := make([]float64, len(impls))
	for i, im := range impls {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		stores[i] = im.new(memory.Options{})
		fillStore(b, stores[i], 0, big, value, time.Hour)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry[i] = float64(after.HeapAlloc-before.HeapAlloc) / big
	}
	b.Run("fig=memory/entries=1000000", func(b *testing.B) {
		for i, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) {
				for b.Loop() {
				}
				b.ReportMetric(perEntry[i], "B/entry")
			})
		}
	})
	for _, op := range []string{"get", "set"} {
		for _, n := range []int{1000, big} {
			b.Run(fmt.Sprintf("fig=%s/entries=%d", op, n), func(b *testing.B) {
				order := benchOrder(n, 0)
				for i, im := range impls {
					b.Run("impl="+im.name, func(b *testing.B) {
						s := stores[i]
						if n != big {
							s = im.new(memory.Options{})
							fillStore(b, s, 0, n, value, time.Hour)
						}
						var kb keyBuf
						runtime.GC()
						cpu := cpuTime(b)
						i := 0
						for b.Loop() {
							storeOp(b, ctx, s, op, kb.key(int(order[i&(len(order)-1)])), value)
							i++
						}
						b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
					})
				}
			})
		}
	}
	b.Run("fig=list/entries=1000000/prefix=1/10/limit=100", func(b *testing.B) {
		order := benchOrder(big, 0)
		for i, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) {
				s := stores[i]
				var kb keyBuf
				runtime.GC()
				cpu := cpuTime(b)
				i := 0
				for b.Loop() {
					after := kb.key(int(order[i&(len(order)-1)]))
					p, err := s.List(ctx, backends.ListOptions{Prefix: after[:11], After: after, Limit: 100})
					if err != nil || (len(p.Items) != 100 && p.HasMore) {
						b.Fatal(len(p.Items), err)
					}
					i++
				}
				b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	})
	clear(stores)
	b.Run("fig=expiry/entries=1000000", func(b *testing.B) {
		for _, im := range impls {
			b.Run("impl="+im.name, func(b *testing.B) {
				var window, cpu time.Duration
				// One fill takes longer than -benchtime, so this loop
				// usually runs once; ns/op includes the fill and means
				// nothing here: see ns/entry.
				for b.Loop() {
					clk := newFakeClock()
					s := im.new(memory.Options{CleanupInterval: time.Millisecond, Now: clk.Now})
					fillStore(b, s, 0, big, value, time.Second)
					if err := s.Start(ctx); err != nil {
						b.Fatal(err)
					}
					runtime.GC()
					start, cpu0 := time.Now(), cpuTime(b)
					clk.Advance(time.Second)
					for s.Len() > 0 {
						time.Sleep(100 * time.Microsecond)
					}
					window, cpu = time.Since(start), cpuTime(b)-cpu0
					if err := s.Stop(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(window.Nanoseconds())/big, "ns/entry")
				b.ReportMetric(float64(cpu.Nanoseconds())/big, "cpu-ns/entry")
				b.ReportMetric(float64(window)/1e6, "window-ms")
			})
		}
	})
}

// TestLibStoreAgrees checks that libStore, the benchmark's variant, behaves
// as Store on what the benchmark calls, so that the comparison is between
// two working stores: the same values after sets and overwrites, the same
// List pages, and the same entries left after expiry and cleanup.
func TestLibStoreAgrees(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	opts := memory.Options{CleanupInterval: time.Millisecond, Now: clk.Now}
	ours := impls[0].new(opts)
	lib := impls[1].new(opts)
	stores := []benchStore{ours, lib}
	const n = 3000
	var kb keyBuf
	for i := range n {
		ttl := time.Duration(0)
		if i%3 == 0 {
			ttl = time.Duration(1+i%5) * time.Second
		}
		for _, s := range stores {
			if err := s.Set(ctx, kb.key(i), []byte(fmt.Sprint("v", i)), ttl); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Overwrites: some keys lose their TTL, some get a shorter or longer one.
	for i := 0; i < n; i += 7 {
		ttl := time.Duration(i%4) * time.Second
		for _, s := range stores {
			if err := s.Set(ctx, kb.key(i), []byte(fmt.Sprint("w", i)), ttl); err != nil {
				t.Fatal(err)
			}
		}
	}
	compare := func(when string) {
		t.Helper()
		for i := range n + 10 {
			k := kb.key(i)
			a, errA := ours.Get(ctx, k)
			b, errB := lib.Get(ctx, k)
			if string(a) != string(b) || (errA == nil) != (errB == nil) {
				t.Fatalf("%s: Get(%s): ours %q, %v; lib %q, %v", when, k, a, errA, b, errB)
			}
		}
		for _, o := range []backends.ListOptions{
			{Limit: 100}, {Prefix: "key:00000000", Limit: 50}, {Prefix: "key:0000000001", After: "key:000000000150", Limit: 30},
			{After: "key:000000002990", Limit: 100}, {Prefix: "key:000000000011", Limit: 5}, {Prefix: "key:00000000", After: "key:000000000000", Limit: 1000},
		} {
			pa, errA := ours.List(ctx, o)
			pb, errB := lib.List(ctx, o)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if got, want := pageKeys(pb), pageKeys(pa); got != want || pa.HasMore != pb.HasMore || pa.Cursor != pb.Cursor {
				t.Fatalf("%s: List(%+v):\nlib  %s more=%v cursor=%q\nours %s more=%v cursor=%q", when, o, got, pb.HasMore, pb.Cursor, want, pa.HasMore, pa.Cursor)
			}
		}
	}
	compare("after sets")
	clk.Advance(2500 * time.Millisecond)
	compare("after some expired")
	for _, s := range stores {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	live := 0
	for i := range n {
		if _, err := ours.Get(ctx, kb.key(i)); err == nil {
			live++
		}
	}
	if live == n || live == 0 {
		t.Fatalf("%d of %d keys live: the test expires none or all", live, n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ours.Len() != live || lib.Len() != live {
		if time.Now().After(deadline) {
			t.Fatalf("cleanup: ours holds %d entries, lib %d, want %d", ours.Len(), lib.Len(), live)
		}
		time.Sleep(time.Millisecond)
	}
	for _, s := range stores {
		if err := s.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	compare("after cleanup")
}

func pageKeys(p backends.Page) string {
	var b strings.Builder
	for _, it := range p.Items {
		b.WriteString(it.Key[len(it.Key)-4:])
		b.WriteString(":")
		b.Write(it.Value)
		b.WriteString(" ")
	}
	return b.String()
}
