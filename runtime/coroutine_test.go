package runtime

import (
	"context"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// coroutineStopSlack is how far past its deadline a run may end in these
// tests: generous for a loaded machine and the race detector (without the
// checks they run forever); BenchmarkLimitsCorpus measures the real overshoot.
const coroutineStopSlack = 2 * time.Second

// TestCoroutinesStopAtTheDeadline runs scripts whose coroutines keep
// resuming one another under a 300 ms deadline through RunString: each ends
// with the deadline, or at once with Lua 5.1's error where Lua 5.1 refuses
// the resume.
func TestCoroutinesStopAtTheDeadline(t *testing.T) {
	rt := newSessionRuntime(t)
	tests := []struct{ name, code, want string }{
		{"wraps resume each other", `local a, b
a = coroutine.wrap(function() while true do b() end end)
b = coroutine.wrap(function() while true do a() end end)
a()`, "cannot resume normal coroutine"},
		{"wraps resume each other under pcall", `local a, b
a = coroutine.wrap(function() while true do pcall(b) end end)
b = coroutine.wrap(function() while true do pcall(a) end end)
a()`, context.DeadlineExceeded.Error()},
		{"resume of a normal coroutine in a loop", `local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function() while true do coroutine.resume(outer) end end)
  coroutine.resume(inner)
end)
coroutine.resume(outer)
while true do end`, context.DeadlineExceeded.Error()},
		{"wrap resumes itself", `local w
w = coroutine.wrap(function() while true do pcall(w) end end)
w()`, context.DeadlineExceeded.Error()},
		{"yield across pcall, caught", `local co = coroutine.wrap(function() while true do pcall(coroutine.yield) end end)
co()`, context.DeadlineExceeded.Error()},
		{"chain past the depth limit, caught", `local function spawn()
  local co = coroutine.create(function() spawn() end)
  while not coroutine.resume(co) do end
end
spawn()`, context.DeadlineExceeded.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := rt.RunString(ctx, tt.code)
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if took > 300*time.Millisecond+coroutineStopSlack {
				t.Fatalf("stopped after %v, deadline 300ms", took)
			}
		})
	}
}

// TestCoroutineRunsUnderTheResumingCall: a coroutine made in one call of a
// session runs, when a later call resumes it, under that call's context:
// the first call's context being over does not fail it, and the later
// call's deadline stops it.
func TestCoroutineRunsUnderTheResumingCall(t *testing.T) {
	s, err := newSessionRuntime(t).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := run(t, s, `gen = coroutine.wrap(function()
  coroutine.yield(1)
  coroutine.yield(2)
  while true do end
end)
assert(gen() == 1)`); err != nil {
		t.Fatal(err)
	}
	res, err := run(t, s, `return gen()`)
	if err != nil || len(res) != 1 || res[0].String() != "2" {
		t.Fatalf("second call: %v, %v; want 2", res, err)
	}
	fn, err := s.L().LoadString(`gen()`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Call(ctx, fn)
	if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took > 300*time.Millisecond+coroutineStopSlack {
		t.Fatalf("third call: error %v after %v, want the deadline after 300ms", err, took)
	}
}

// TestSuspendedCoroutinesAtTheEndOfRuns: runs that end with coroutines
// left suspended (inside loops, pcall and a nested resume) hold nothing
// open: the goroutine count stays where it was and the next run on the
// pooled state is unaffected.
func TestSuspendedCoroutinesAtTheEndOfRuns(t *testing.T) {
	rt := newSessionRuntime(t)
	const left = `
local a = coroutine.create(function() while true do coroutine.yield() end end)
coroutine.resume(a)
local b = coroutine.wrap(function()
  local inner = coroutine.wrap(function() while true do coroutine.yield(1) end end)
  while true do coroutine.yield(inner()) end
end)
b()
kept = {a, b}
return coroutine.status(a)`
	run := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := rt.RunString(ctx, left)
		if err != nil || len(res) != 1 || res[0] != "suspended" {
			t.Fatalf("run: %v, %v", res, err)
		}
	}
	run()
	before := goruntime.NumGoroutine()
	for range 100 {
		run()
	}
	if after := goruntime.NumGoroutine(); after > before+5 {
		t.Fatalf("%d goroutines after 100 runs, %d before", after, before)
	}
	res, err := rt.RunString(context.Background(), `return kept == nil and coroutine.running() == nil`)
	if err != nil || len(res) != 1 || res[0] != true {
		t.Fatalf("next run: %v, %v", res, err)
	}
}
