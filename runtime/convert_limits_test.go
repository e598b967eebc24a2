package runtime

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/luahost/luahost/luamod"
	"github.com/luahost/luahost/luastd"
)

// convRegistry has the memory store the conversion tests write to.
const convRegistry = "namespace: app\nentries:\n  - {name: s, kind: store.memory}\n"

// sharedBig is Lua that builds t: one 1 MiB string 3,000 times, about
// 3 GiB once encoded.
const sharedBig = `local big = ("x"):rep(2^20) local t = {} for i = 1, 3000 do t[i] = big end `

// TestValueConversionStopsAtMemoryLimit: a value whose conversion between
// Lua and Go would pass the run's memory cap (a store write, a read back, a
// run's results, security.can's meta) fails promptly with the host's
// memory-limit error: INVALID, matching luastd.ErrMemoryLimit, "memory
// limit of 64 MiB exceeded", naming where in the value the encoding passed
// it; nothing is written.
func TestValueConversionStopsAtMemoryLimit(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("conv.yaml", convRegistry), WithMemoryLimit(64<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	// Values for s:list to read back, 96 MiB in all, written without a cap.
	fill := `local s = assert(store.get("app:s"))
		local big = ("x"):rep(8 * 2^20)
		for i = 1, 12 do assert(s:set("big" .. i, big .. i)) end`
	if _, err := rt.RunString(WithRunMemoryLimit(context.Background(), 0), fill); err != nil {
		t.Fatal(err)
	}
	const open = `local s = assert(store.get("app:s")) `
	tests := []struct {
		name, code string
		want       string // the message, a regular expression
		refusedBy  string // the MemoryError's Func
	}{
		{"s:set of a shared string", sharedBig + open + `
			local ok, err = s:set("k", t)
			assert(not ok and not s:exists("k"))
			error(err)`,
			`^INVALID: store "app:s": value\[\d+\]: memory limit of 64 MiB exceeded: s:set needs \d+ bytes( with \d+ in use)? to encode the value`, "s:set"},
		{"s:set of nested tables", sharedBig + open + `
			local ok, err = s:set("k", {a = {b = t}})
			assert(not ok and not s:exists("k"))
			error(err)`,
			`^INVALID: store "app:s": value\.a\.b\[\d+\]: memory limit of 64 MiB exceeded: s:set needs`, "s:set"},
		{"s:put of a shared string", sharedBig + open + `
			local e, err = s:put("k", t)
			assert(not e and not s:exists("k"))
			error(err)`,
			`^INVALID: store "app:s": value\[\d+\]: memory limit of 64 MiB exceeded: s:put needs`, "s:put"},
		{"RunString result", sharedBig + `return 1, t`,
			`^INVALID: result 2: value\[\d+\]: memory limit of 64 MiB exceeded: the result needs`, "the result"},
		{"security.can meta", sharedBig + `return require("security").can("store.key.get", "app:s", {key = t})`,
			`^INVALID: security\.can: meta: value\.key\[\d+\]: memory limit of 64 MiB exceeded: security\.can needs`, "security.can"},
		{"s:list of big values", open + `
			local page, err = s:list({prefix = "big", limit = 12})
			if not page then error(err) end`,
			`^INVALID: store "app:s": memory limit of 64 MiB exceeded: s:list needs \d+ bytes`, "s:list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a liveness bound
			defer cancel()
			start := time.Now()
			_, err := rt.RunString(ctx, tt.code)
			// Before the encoder had a bound, these took 10 s and more
			// and gigabytes: a generous bound on a slow machine.
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *ScriptError", err)
			}
			if !regexp.MustCompile(tt.want).MatchString(se.Message) {
				t.Errorf("message %q, want it to match %s", se.Message, tt.want)
			}
			var le *luamod.Error
			if !errors.As(err, &le) || le.Kind != luamod.KindInvalid || !errors.Is(err, ErrInvalid) || !errors.Is(err, luastd.ErrMemoryLimit) {
				t.Errorf("error %v: want an INVALID luamod.Error matching ErrInvalid and luastd.ErrMemoryLimit", err)
			}
			var me *luastd.MemoryError
			if !errors.As(err, &me) || me.Func != tt.refusedBy {
				t.Errorf("error %v: want a *luastd.MemoryError of %s", err, tt.refusedBy)
			}
		})
	}
}

// TestValueConversionStopsAtDeadline: a conversion that takes long (a
// million-element value copied sixteen times over) stops at the run's
// deadline with a timeout, wherever it is: a store write, the run's
// results, security.can's meta.
func TestValueConversionStopsAtDeadline(t *testing.T) {
	rt, err := New(context.Background(), WithRegistryString("conv.yaml", convRegistry))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	// 16 million elements: the most a value may hold, and seconds of work.
	const many = `local a = {} for i = 1, 1000 do a[i] = i + 0.5 end
		local t = {} for i = 1, 16000 do t[i] = a end `
	tests := []struct{ name, code string }{
		{"s:set", many + `local s = assert(store.get("app:s")) while true do s:set("k", t) end`},
		{"RunString result", many + `return t`},
		{"security.can meta", many + `while true do require("security").can("a", "b", {key = t}) end`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const timeout = 300 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			_, err := rt.RunString(ctx, tt.code)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want a timeout", err)
			}
			// limits.md promises 100 ms; on a slow shared machine under
			// the race detector, allow far more, but less than converting
			// the whole value takes.
			if late := time.Since(start) - timeout; late > 2*time.Second {
				t.Errorf("stopped %v after the deadline", late)
			}
			if strings.Contains(err.Error(), "memory limit") {
				t.Errorf("error %v, want a timeout, not a memory limit", err)
			}
		})
	}
}
