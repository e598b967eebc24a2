package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/registry"
	"github.com/luahost/luahost/runtime"
)

// reloadBenchRegistry is 1,000 running memory stores; v changes the
// max_size of app:e0000 only.
func reloadBenchRegistry(v int) string {
	var b strings.Builder
	b.WriteString("namespace: app\nentries:\n")
	for i := range 1000 {
		size := 1000
		if i == 0 {
			size += v
		}
		fmt.Fprintf(&b, "  - name: e%04d\n    kind: store.memory\n    max_size: %d\n    lifecycle:\n      auto_start: true\n", i, size)
	}
	return b.String()
}

// BenchmarkReloadOneOf1000Quiet reloads a registry of 1,000 running
// memory stores in which one entry changes each time, with nothing else
// running. Besides the wall time per reload (ns/op, ms/reload) it reports
// the process CPU time per reload, which on a shared machine is the better
// guide to the wall time on an idle one, and the CPU time of
// registry.Load of the same text, the part of a reload that reads and
// validates the YAML.
func BenchmarkReloadOneOf1000Quiet(b *testing.B) {
	ctx := context.Background()
	texts := []string{reloadBenchRegistry(0), reloadBenchRegistry(1)}
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", texts[0]))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	cpu0, start := cpuTime(b), time.Now()
	for i := 0; b.Loop(); i++ {
		rep, err := rt.Reload(ctx, runtime.WithRegistryString("reg.yaml", texts[(i+1)%2]))
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Restarted) != 1 || len(rep.Kept) != 999 {
			b.Fatalf("report %s", rep)
		}
	}
	reloadCPU, elapsed := cpuTime(b)-cpu0, time.Since(start)
	b.StopTimer()
	cpu0 = cpuTime(b)
	for i := 0; i < b.N; i++ {
		if _, err := registry.Load([]registry.Source{{Name: "reg.yaml", Data: []byte(texts[i%2])}}, registry.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	loadCPU := cpuTime(b) - cpu0
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / float64(time.Millisecond) }
	b.ReportMetric(ms(elapsed), "ms/reload")
	b.ReportMetric(ms(reloadCPU), "cpu-ms/reload")
	b.ReportMetric(ms(loadCPU), "cpu-ms/load")
}

// BenchmarkReloadOneOf1000 reloads a registry of 1,000 running memory
// stores in which one entry changes each time (ns/op is one reload), while
// a goroutine reads a key of an untouched store in a loop. It reports the
// worst and the 99.9th percentile latency of those calls during the
// reloads, and the same over an equal time without reloads right after,
// so that the two compare within one run on a loaded machine.
func BenchmarkReloadOneOf1000(b *testing.B) {
	ctx := context.Background()
	texts := []string{reloadBenchRegistry(0), reloadBenchRegistry(1)}
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", texts[0]))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	kv, err := rt.Store(ctx, "app:e0500")
	if err != nil {
		b.Fatal(err)
	}
	st, err := kv.Raw(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Set(ctx, "k", []byte{1}, 0); err != nil {
		b.Fatal(err)
	}
	// calls reads k until stop closes and returns the latencies.
	calls := func(stop <-chan struct{}) <-chan *latencies {
		out := make(chan *latencies, 1)
		go func() {
			lat := &latencies{}
			for {
				select {
				case <-stop:
					out <- lat
					return
				default:
				}
				t0 := time.Now()
				if _, err := st.Get(ctx, "k"); err != nil {
					panic(err)
				}
				lat.add(time.Since(t0))
			}
		}()
		return out
	}
	stop := make(chan struct{})
	during := calls(stop)
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		rep, err := rt.Reload(ctx, runtime.WithRegistryString("reg.yaml", texts[(i+1)%2]))
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Restarted) != 1 || rep.Restarted[0] != "app:e0000" || len(rep.Kept) != 999 {
			b.Fatalf("report %s", rep)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	withReloads := <-during
	stop = make(chan struct{})
	idle := calls(stop)
	time.Sleep(elapsed)
	close(stop)
	withoutReloads := <-idle

	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(withReloads.max), "max-call-µs")
	b.ReportMetric(us(withReloads.quantile(0.999)), "p99.9-call-µs")
	b.ReportMetric(us(withoutReloads.max), "max-call-µs-idle")
	b.ReportMetric(us(withoutReloads.quantile(0.999)), "p99.9-call-µs-idle")
	b.ReportMetric(float64(elapsed)/float64(b.N)/float64(time.Millisecond), "ms/reload")
}

// latencies is a histogram of call latencies in 10 ns buckets up to 10 ms
// (beyond that, one bucket), with the exact maximum: recording a call
// allocates nothing, so the measuring loop does not disturb what it
// measures.
type latencies struct {
	buckets [1_000_001]uint32
	n       uint64
	max     time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.buckets[min(int(d/10), len(l.buckets)-1)]++
	l.n++
	l.max = max(l.max, d)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (l *latencies) quantile(q float64) time.Duration {
	want := uint64(q * float64(l.n))
	var seen uint64
	for i, c := range l.buckets {
		seen += uint64(c)
		if seen > want {
			return time.Duration(i+1) * 10
		}
	}
	return l.max
}

// BenchmarkStoreProxyGet compares a Get on a memory store through the
// proxy every handle holds (which counts the call in flight) with the same
// Get on the store itself, alternating in one run: proxy/direct is the
// cost of following reloads and draining.
func BenchmarkStoreProxyGet(b *testing.B) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.WithRegistryString("reg.yaml", "- {name: cache, kind: store.memory, lifecycle: {auto_start: true}}\n"))
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(ctx)
	proxy, direct := runtime.StoreForBench(b, rt, "app:cache")
	if err := direct.Set(ctx, "k", []byte{1}, 0); err != nil {
		b.Fatal(err)
	}
	const n = 1 << 16
	var tProxy, tDirect time.Duration
	for b.Loop() {
		t0 := time.Now()
		for range n {
			if _, err := direct.Get(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for range n {
			if _, err := proxy.Get(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
		tDirect += t1.Sub(t0)
		tProxy += time.Since(t1)
	}
	calls := float64(b.N) * n
	b.ReportMetric(float64(tDirect)/calls, "direct-ns/call")
	b.ReportMetric(float64(tProxy)/calls, "proxy-ns/call")
	b.ReportMetric(float64(tProxy)/float64(tDirect), "proxy/direct")
}
