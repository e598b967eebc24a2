package runtime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// scalingSetup runs on a pooled state and returns the loop of
// BenchmarkLuaScaling: run(n) makes n calls on store app:cache, 90% get and
// 10% set (overwrites with a TTL) over 100,000 keys spread uniformly, from
// a sequence of 65,536 operations drawn once from the given seed, so that
// the timed loop does nothing but the calls.
const scalingSetup = `
local seed = ...
local s = assert(store.get("app:cache"))
local keys, sets = {}, {}
local x = seed
for i = 1, 65536 do
  x = (x * 16807) % 2147483647
  keys[i] = string.format("key:%012d", x % 100000)
  sets[i] = math.floor(x / 100000) % 10 == 0
end
local v = string.rep("v", 100)
return function(n)
  for i = 1, n do
    local j = i % 65536 + 1
    if sets[j] then
      s:set(keys[j], v, 3600)
    else
      s:get(keys[j])
    end
  end
end
`

// scalingFill sets the 100,000 keys the loop uses.
const scalingFill = `
local s = assert(store.get("app:cache"))
local v = string.rep("v", 100)
for i = 0, 99999 do s:set(string.format("key:%012d", i), v, 3600) end
`

// BenchmarkLuaScaling is BenchmarkScaling of backends/memory at the Lua
// level: one store.memory entry, and 1 or 2 goroutines that each run the
// loop of scalingSetup in a pooled Lua state of their own (rt.Do), b.N
// calls each. The 1-goroutine run comes before and after the 2-goroutine
// run, and their mean is the 1-goroutine time.
//
// Metrics: speedup is the throughput of 2 goroutines over that of 1 (2
// means perfect scaling), from wall time, so it means something only on a
// machine with 2 idle cores; cpu-ns/call-1g and cpu-ns/call-2g are the
// process CPU time per call, which grows under contention whatever else
// runs on the machine, and cpu-efficiency is their ratio 1g/2g.
//
//	go test ./runtime -run '^$' -bench BenchmarkLuaScaling -count 5
func BenchmarkLuaScaling(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, `- {name: cache, kind: store.memory, max_size: 0}`)
	if _, err := rt.RunString(ctx, scalingFill); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	// timed runs g goroutines of n calls each and returns the wall time
	// and the process CPU time of the calls.
	timed := func(g, n int) (time.Duration, time.Duration) {
		b.StopTimer() // the states' setup is not timed
		var ready, start, wg sync.WaitGroup
		ready.Add(g)
		start.Add(1)
		for w := range g {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := rt.Do(ctx, func(L *lua.LState) error {
					fn, err := L.LoadString(scalingSetup)
					if err != nil {
						return err
					}
					L.Push(fn)
					L.Push(lua.LNumber(w + 1))
					if err := L.PCall(1, 1, nil); err != nil {
						return err
					}
					run := L.Get(-1)
					L.Pop(1)
					ready.Done()
					start.Wait()
					L.Push(run)
					L.Push(lua.LNumber(n))
					return L.PCall(1, 0, nil)
				})
				if err != nil {
					b.Error(err)
				}
			}()
		}
		ready.Wait()
		b.StartTimer()
		t, c := time.Now(), cpuTime(b)
		start.Done()
		wg.Wait()
		w, cpu := time.Since(t), cpuTime(b)-c
		b.StopTimer()
		return w, cpu
	}
	n := b.N
	w1a, c1a := timed(1, n)
	w2, c2 := timed(2, n)
	w1b, c1b := timed(1, n)
	b.StartTimer()
	w1, c1 := (w1a+w1b)/2, (c1a+c1b)/2
	b.ReportMetric(2*float64(w1)/float64(w2), "speedup")
	b.ReportMetric(float64(c1.Nanoseconds())/float64(n), "cpu-ns/call-1g")
	b.ReportMetric(float64(c2.Nanoseconds())/float64(2*n), "cpu-ns/call-2g")
	b.ReportMetric(2*float64(c1)/float64(c2), "cpu-efficiency")
}
