package luastd_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/luahost/luahost/luastd"
)

// TestStackGrown: StackGrown tells a host which states a library
// function made hold a long list of values on the stack (so that it can
// close them rather than keep the memory), in a coroutine too, and not
// the states that held short ones.
func TestStackGrown(t *testing.T) {
	for _, c := range []struct {
		code string
		want bool
	}{
		{`local t = {} for i = 1, 1000 do t[i] = i end return select("#", unpack(t))`, false},
		{`return select("#", ("x"):rep(1000):byte(1, -1))`, false},
		{`local t = {} for i = 1, 100000 do t[i] = i end return select("#", unpack(t))`, true},
		{`return select("#", ("x"):rep(100000):byte(1, -1))`, true},
		{`local t = {} for i = 1, 100000 do t[i] = i end
			local co = coroutine.create(function() return unpack(t) end)
			return select("#", coroutine.resume(co))`, true},
	} {
		t.Run(c.code, func(t *testing.T) {
			L := newState(t)
			L.SetContext(context.Background())
			fn, err := luastd.Load(L, c.code, "test")
			if err != nil {
				t.Fatal(err)
			}
			L.Push(fn)
			if err := L.PCall(0, 1, nil); err != nil {
				t.Fatal(err)
			}
			if got := luastd.StackGrown(L); got != c.want {
				t.Fatalf("StackGrown = %v, want %v", got, c.want)
			}
		})
	}
}

// BenchmarkUnpack times unpack of n values into a vararg function on a
// fresh state, whose stack must grow to hold them: the time per value
// should not grow with n.
func BenchmarkUnpack(b *testing.B) {
	for _, n := range []int{1000, 250000, 500000, 1000000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				L := newState(b)
				L.SetContext(context.Background())
				if err := L.DoString(fmt.Sprintf(`t = {} for i = 1, %d do t[i] = i end`, n)); err != nil {
					b.Fatal(err)
				}
				fn, err := luastd.Load(L, `local function count(...) return select("#", ...) end return count(unpack(t))`, "bench")
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				L.Push(fn)
				L.Call(0, 1)
				L.Pop(1)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/value")
		})
	}
}
