package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/luahost/luahost/backends/memory"
)

// keyBuf formats the 16-byte benchmark keys without allocating, so the
// figures measure the store, not the making of keys.
type keyBuf [16]byte

// key returns "key:" and i in 12 digits. The result aliases b.
func (b *keyBuf) key(i int) string {
	copy(b[:], "key:")
	for j := len(b) - 1; j >= 4; j-- {
		b[j] = byte('0' + i%10)
		i /= 10
	}
	return unsafe.String(&b[0], len(b))
}

// benchOrder returns a random sequence of indexes below n, of power-of-two
// length. With hot > 0 it draws only from hot indexes picked at random.
func benchOrder(n, hot int) []int32 {
	order := make([]int32, 1<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	perm := rng.Perm(n)
	if hot > 0 {
		perm = perm[:hot]
	}
	for i := range order {
		order[i] = int32(perm[rng.IntN(len(perm))])
	}
	return order
}

// benchCases are the store sizes and access patterns of BenchmarkGet and
// BenchmarkSet: uniform touches every key in random order (memory bound
// once the store outgrows the CPU caches); hot touches 1000 random keys of
// the store, showing the cost of the data structure itself.
var benchCases = []struct {
	entries, hot int
}{
	{1000, 0},
	{1000000, 0},
	{1000000, 1000},
}

func benchName(entries, hot int) string {
	if hot > 0 {
		return fmt.Sprintf("entries=%d/access=hot%d", entries, hot)
	}
	return fmt.Sprintf("entries=%d/access=uniform", entries)
}

// BenchmarkGet reads live keys, all with a TTL.
func BenchmarkGet(b *testing.B) {
	value := make([]byte, 100)
	for _, bc := range benchCases {
		b.Run(benchName(bc.entries, bc.hot), func(b *testing.B) {
			s, err := memory.New(memory.Options{})
			if err != nil {
				b.Fatal(err)
			}
			fillStore(b, s, 0, bc.entries, value, time.Hour)
			order := benchOrder(bc.entries, bc.hot)
			ctx := context.Background()
			var kb keyBuf
			runtime.GC()
			i := 0
			for b.Loop() {
				if _, err := s.Get(ctx, kb.key(int(order[i&(len(order)-1)]))); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSet overwrites live keys with a TTL, so the size stays constant.
func BenchmarkSet(b *testing.B) {
	value := make([]byte, 100)
	for _, bc := range benchCases {
		b.Run(benchName(bc.entries, bc.hot), func(b *testing.B) {
			s, err := memory.New(memory.Options{})
			if err != nil {
				b.Fatal(err)
			}
			fillStore(b, s, 0, bc.entries, value, time.Hour)
			order := benchOrder(bc.entries, bc.hot)
			ctx := context.Background()
			var kb keyBuf
			runtime.GC()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.Set(ctx, kb.key(int(order[i&(len(order)-1)])), value, time.Hour); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkBaseline is the reference for BenchmarkGet and BenchmarkSet: a
// Go map of copied values behind a sync.RWMutex, with no TTL.
func BenchmarkBaseline(b *testing.B) {
	for _, op := range []string{"get", "set"} {
		for _, bc := range benchCases {
			b.Run("op="+op+"/"+benchName(bc.entries, bc.hot), func(b *testing.B) {
				var mu sync.RWMutex
				m := make(map[string][]byte)
				var kb keyBuf
				value := make([]byte, 100)
				for i := range bc.entries {
					m[strings.Clone(kb.key(i))] = bytes.Clone(value)
				}
				order := benchOrder(bc.entries, bc.hot)
				runtime.GC()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					k := kb.key(int(order[i&(len(order)-1)]))
					if op == "get" {
						mu.RLock()
						v, ok := m[k]
						mu.RUnlock()
						if !ok || len(v) != 100 {
							b.Fatal("missing key")
						}
					} else {
						v := bytes.Clone(value)
						mu.Lock()
						m[k] = v
						mu.Unlock()
					}
					i++
				}
			})
		}
	}
}

// BenchmarkMemory reports the heap bytes per entry of a store holding 1M
// entries of 16-byte keys and 100-byte values, each with a TTL. Run it
// with -benchtime=1x.
func BenchmarkMemory(b *testing.B) {
	const n = 1000000
	value := make([]byte, 100)
	var perEntry float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s, err := memory.New(memory.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fillStore(b, s, 0, n, value, time.Hour)
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perEntry, "B/entry")
}

// latencyHist records durations in 100ns buckets up to 20ms, plus the
// exact maximum.
type latencyHist struct {
	buckets [200001]uint64
	max     time.Duration
	n       uint64
}

func (h *latencyHist) add(d time.Duration) {
	b := int(d / 100)
	if b >= len(h.buckets) {
		b = len(h.buckets) - 1
	}
	h.buckets[b]++
	h.n++
	h.max = max(h.max, d)
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, c := range o.buckets {
		h.buckets[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *latencyHist) quantile(q float64) time.Duration {
	want := uint64(q * float64(h.n))
	var seen uint64
	for i, c := range h.buckets {
		seen += c
		if seen >= want && seen > 0 {
			return time.Duration(i+1) * 100
		}
	}
	return h.max
}

// BenchmarkExpiryLatency loads 1M entries that all expire at the same
// instant of a fake clock, then times every Get of several reader
// goroutines while the real cleanup loop removes them (phase=expiring).
// phase=control runs the same readers for the same time on a store where
// nothing expires, so that delays caused by the machine (a busy host, GC)
// can be told from delays caused by cleanup. Readers yield between calls,
// so the figures are time spent inside Get (lock waits included), not time
// spent queued for a CPU. Run it with -benchtime=1x.
func BenchmarkExpiryLatency(b *testing.B) {
	for _, phase := range []string{"expiring", "control"} {
		b.Run("phase="+phase, func(b *testing.B) { benchExpiryLatency(b, phase == "expiring") })
	}
}

func benchExpiryLatency(b *testing.B, expire bool) {
	const (
		n       = 1000000
		lasting = 10000
		readers = 4
		// window is how long control readers run, about as long as the
		// cleanup of 1M entries takes with readers competing for the CPU,
		// so that both phases give the machine the same chances to stall.
		window = 100 * time.Millisecond
	)
	value := make([]byte, 100)
	order := benchOrder(n+lasting, 0)
	var total latencyHist
	var cleanup time.Duration
	for b.Loop() {
		clk := newFakeClock()
		s, err := memory.New(memory.Options{CleanupInterval: 10 * time.Millisecond, Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if err := s.Start(ctx); err != nil {
			b.Fatal(err)
		}
		fillStore(b, s, 0, n, value, time.Second)
		fillStore(b, s, n, n+lasting, value, 0)
		runtime.GC()

		var stop atomic.Bool
		var wg sync.WaitGroup
		hists := make([]*latencyHist, readers)
		for r := range readers {
			hists[r] = new(latencyHist)
			wg.Add(1)
			go func(h *latencyHist, off int) {
				defer wg.Done()
				var kb keyBuf
				for i := off; !stop.Load(); i++ {
					k := kb.key(int(order[i&(len(order)-1)]))
					t0 := time.Now()
					_, _ = s.Get(ctx, k)
					h.add(time.Since(t0))
					runtime.Gosched()
				}
			}(hists[r], r*len(order)/readers)
		}
		time.Sleep(20 * time.Millisecond) // readers warm up on live keys
		start := time.Now()
		if expire {
			clk.Advance(time.Second)
			for s.Len() > lasting {
				time.Sleep(time.Millisecond)
			}
		} else {
			time.Sleep(window)
		}
		cleanup = time.Since(start)
		time.Sleep(20 * time.Millisecond)
		stop.Store(true)
		wg.Wait()
		if err := s.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		total = latencyHist{}
		for _, h := range hists {
			total.merge(h)
		}
	}
	b.ReportMetric(float64(total.max)/1e3, "max-us")
	b.ReportMetric(float64(total.quantile(0.999))/1e3, "p99.9-us")
	b.ReportMetric(float64(total.n), "gets")
	b.ReportMetric(float64(cleanup)/1e6, "window-ms")
}

// BenchmarkChurn deletes a random key of a full-size store and sets it
// again, so the size stays constant: the cost of removing and adding keys,
// which overwrites (BenchmarkSet) do not pay.
func BenchmarkChurn(b *testing.B) {
	value := make([]byte, 100)
	for _, n := range []int{1000, 1000000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			s, err := memory.New(memory.Options{})
			if err != nil {
				b.Fatal(err)
			}
			fillStore(b, s, 0, n, value, time.Hour)
			order := benchOrder(n, 0)
			ctx := context.Background()
			var kb keyBuf
			runtime.GC()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				k := kb.key(int(order[i&(len(order)-1)]))
				if ok, err := s.Delete(ctx, k); err != nil || !ok {
					b.Fatal(ok, err)
				}
				if err := s.Set(ctx, k, value, time.Hour); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
