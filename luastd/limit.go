package luastd

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"

	"github.com/luahost/luahost/internal/bytesize"
)

// checkEvery is how many steps of a library loop run between two looks at
// the run's context: small enough that a step costing a microsecond stops
// well within a millisecond, large enough that the look costs nothing.
const checkEvery = 1024

// MaxAlloc is the largest string, in bytes, or result list, in values, that
// a luastd function builds in one piece whatever the run's memory cap: a
// larger request is refused with an error wrapping ErrMemoryLimit instead of
// risking a fatal out-of-memory in the Go runtime.
const MaxAlloc = 1 << 30

// MaxStack is the most values a Lua state's stack (gopher-lua's registry)
// may hold; Options sets it. unpack, string.byte and coroutine.resume
// refuse longer lists with Lua 5.1's messages ("too many results to
// unpack").
const MaxStack = 1 << 22

// maxResults is the most values a library function may hold on its part
// of the stack, its arguments included: unpack, string.byte,
// coroutine.resume and the functions coroutine.wrap makes refuse a list
// (of results, or of arguments to resume with) that would pass it, with
// Lua 5.1's messages, where Lua 5.1 checks (lua_checkstack). Lua 5.1's
// own bound (LUAI_MAXCSTACK) is 8,000 values; luahost's is MaxStack, less
// room for the frames below, as lists of 100,000 values must work
// (limits.md). A variable only so that a test can lower it to Lua 5.1's
// and compare with lua5.1 at its thresholds.
var maxResults = MaxStack - 64

// checkCStack is lua_checkstack of Lua 5.1 with maxResults for its bound:
// it reports whether a function of L that holds used values on its part
// of the stack may push n more, and raises a memory-limit error when the
// n values would pass the run's memory cap.
func checkCStack(L *lua.LState, used, n int) bool {
	if n < 0 || n > maxResults || used+n > maxResults {
		return false
	}
	checkAlloc(L, "stack", mulSize(int64(n), 16))
	if used+n > grownAt {
		L.G.Registry.RawSetString(grownKey, lua.LTrue)
	}
	return true
}

// grownAt is the most values a library function may hold on a stack
// without marking the state's stack grown (see StackGrown): three times
// what a stack starts with, 1 MiB of values.
const grownAt = 1 << 16

// grownKey is the registry field that marks a state's stack grown.
const grownKey = "luastd.stackGrown"

// StackGrown reports whether a library function (unpack, string.byte,
// coroutine.resume) made the stack of L, or of a coroutine of L, hold
// more than 65,536 values since L was opened. gopher-lua never shrinks a
// stack, so a host that keeps states for later runs should close such a
// state instead of keeping what it grew to (up to MaxStack values, 64 MiB).
func StackGrown(L *lua.LState) bool {
	return L.G.Registry.RawGetString(grownKey) == lua.LTrue
}

// growStack makes room on L's stack for n more values in one step.
// gopher-lua grows a stack to what a push needs plus a fixed step
// (Options' RegistryGrowStep), copying it each time, so pushing n values
// one at a time would copy the stack n/step times: quadratic in n.
func growStack(L *lua.LState, n int) {
	if n <= registryGrowStep {
		return
	}
	top := L.GetTop()
	L.SetTop(top + n)
	L.SetTop(top)
}

// registryGrowStep is how many values past what it needs gopher-lua grows
// a state's stack by.
const registryGrowStep = 1024 * 32

// Options returns the gopher-lua options luahost opens its states with: a
// stack that grows as needed, from 20,480 slots up to MaxStack, and
// gopher-lua's default call depth (200 Lua calls).
func Options() lua.Options {
	return lua.Options{
		SkipOpenLibs:     true,
		RegistrySize:     1024 * 20,
		RegistryMaxSize:  MaxStack,
		RegistryGrowStep: registryGrowStep,
	}
}

// ticker makes a library loop look at the run's context every checkEvery
// steps and raise the context's error, as gopher-lua's VM does between
// instructions, once the context is done.
type ticker struct {
	L    *lua.LState
	done <-chan struct{}
	n    int
}

func newTicker(L *lua.LState) ticker {
	t := ticker{L: L}
	if ctx := L.Context(); ctx != nil {
		t.done = ctx.Done()
	}
	return t
}

// tick counts one step, and on every checkEvery-th one checks the context.
func (t *ticker) tick() {
	t.n++
	if t.n&(checkEvery-1) == 0 {
		t.check()
	}
}

// add counts n steps at once (e.g. bytes copied).
func (t *ticker) add(n int) {
	t.n += n
	if t.n >= checkEvery {
		t.n = 0
		t.check()
	}
}

// copyPiece is how many bytes a library function copies between two looks
// at the run's context when it builds a large string: copying a MiB takes
// well under a millisecond.
const copyPiece = 1 << 20

// writeChecked appends s to b a copyPiece at a time, looking at the run's
// context (through t) before each piece of a string longer than one.
func writeChecked(b *strings.Builder, s string, t *ticker) {
	if len(s) <= copyPiece {
		b.WriteString(s)
		return
	}
	for len(s) > 0 {
		k := min(len(s), copyPiece)
		t.check()
		b.WriteString(s[:k])
		s = s[k:]
	}
}

// checked, when set (by tests only), is called each time a library loop
// looks at the run's context.
var checked func()

func (t *ticker) check() {
	if checked != nil {
		checked()
	}
	if t.done == nil {
		return
	}
	select {
	case <-t.done:
		Check(t.L)
	default:
	}
}

// Check raises the context's error in L (as gopher-lua's VM does between
// instructions) when L's context is done; otherwise it does nothing.
func Check(L *lua.LState) {
	ctx := L.Context()
	if ctx == nil {
		return
	}
	if err := ctx.Err(); err != nil {
		L.RaiseError("%s", err.Error())
	}
}

// raise raises a Lua error as luaL_error in a library function of Lua 5.1
// does: the message starts with the position of the calling Lua code, or
// has none when a Go function (e.g. pcall) made the call.
func raise(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
}

// MemoryError is the error of a request for more memory than a run may
// have. It wraps ErrMemoryLimit.
type MemoryError struct {
	// Func is the Lua function that made the request, e.g. "string.rep",
	// or "concatenation" for the .. operator.
	Func string
	// Size is the size asked for, in bytes.
	Size int64
	// Used is what the run held when it asked, in bytes, when the request
	// was refused for passing the cap with it (see WithMemoryUsage), or 0.
	Used int64
	// Limit is the cap that refused it, in bytes: the run's memory limit
	// or MaxAlloc.
	Limit int64
}

// Error reads as the host's other memory-limit errors do, "memory limit of
// 64 MiB exceeded", followed by what asked: ": string.rep needs 2147483648
// bytes" (and " with 52428800 in use" when what the run held counted).
func (e *MemoryError) Error() string {
	msg := fmt.Sprintf("memory limit of %s exceeded: %s needs %d bytes", bytesize.Format(e.Limit), e.Func, e.Size)
	if e.Used > 0 {
		msg += fmt.Sprintf(" with %d in use", e.Used)
	}
	return msg
}

// Unwrap returns ErrMemoryLimit.
func (e *MemoryError) Unwrap() error { return ErrMemoryLimit }

// raised remembers, per state, the last MemoryError a luastd function
// raised as a Lua error (whose value can only be text), so that the host
// can give its caller the Go error; see Cause.
var raised sync.Map // *lua.LState -> *MemoryError

// Cause returns the Go error behind msg, the text of a Lua error raised in
// L: the *MemoryError a luastd function raised with that text (so
// errors.Is(err, ErrMemoryLimit) holds), or nil.
func Cause(L *lua.LState, msg string) error {
	v, ok := raised.Load(L)
	if !ok {
		return nil
	}
	me := v.(*MemoryError)
	if !strings.Contains(msg, me.Error()) {
		return nil
	}
	return me
}

// Forget drops what Cause knows of L; call it when closing L.
func Forget(L *lua.LState) { raised.Delete(L) }

// usageCheckMin is the smallest request checked against what the run
// holds (when a cap is below 16 times it, a sixteenth of the cap): the
// heap watchdog bounds what smaller ones can add, and a look at the heap
// costs a microsecond.
const usageCheckMin = 1 << 20

// checkAlloc raises a memory-limit error in L when building size bytes (or
// values) would pass MaxAlloc or the run's memory cap, alone or, for a
// large request, with what the run holds (WithMemoryUsage).
func checkAlloc(L *lua.LState, fn string, size int64) {
	if me := reserve(L.Context(), fn, size); me != nil {
		refuse(L, me)
	}
}

// Reserve is the check luastd's functions make before they build size
// bytes for fn (e.g. "s:get"), for Go code that returns errors instead of
// raising them: nil when the run under ctx may build them, else a
// *MemoryError (wrapping ErrMemoryLimit) because size passes MaxAlloc or
// ctx's memory cap (WithMemoryLimit), alone or, for a large request, with
// what the run holds (WithMemoryUsage). A small request costs a few
// comparisons and a context lookup.
func Reserve(ctx context.Context, fn string, size int64) error {
	if me := reserve(ctx, fn, size); me != nil {
		return me
	}
	return nil
}

// reserve is Reserve returning a *MemoryError, nil when size may be built.
func reserve(ctx context.Context, fn string, size int64) *MemoryError {
	limit := int64(MaxAlloc)
	capped := MemoryLimit(ctx)
	if capped > 0 && capped < limit {
		limit = capped
	}
	if size >= 0 && size <= limit {
		if capped == 0 || size < min(usageCheckMin, capped/16) {
			return nil
		}
		used := memoryUsage(ctx)
		if used == nil {
			return nil
		}
		u := used()
		if u+size <= capped {
			return nil
		}
		// What the heap held at the last collection may since have become
		// garbage: collect, and refuse only if the run still holds too
		// much. This happens only near the cap.
		if collect() {
			if u = used(); u+size <= capped {
				return nil
			}
		}
		return &MemoryError{Func: fn, Size: size, Used: max(u, 1), Limit: capped}
	}
	if size < 0 { // the sum overflowed
		size = 1<<63 - 1
	}
	return &MemoryError{Func: fn, Size: size, Limit: limit}
}

// forcedCycle is the count of completed GC cycles after collect last
// forced one.
var forcedCycle atomic.Uint64

// collect runs a garbage collection, so that the heap's live figure is
// fresh, and reports whether it did: not when no collection has run
// since the last one it forced, so that a script that retries a refused
// request in a loop cannot make the process collect back to back.
func collect() bool {
	if gcCycles() == forcedCycle.Load() {
		return false
	}
	runtime.GC()
	forcedCycle.Store(gcCycles())
	return true
}

// gcCycles returns the count of completed GC cycles.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// refuse raises me in L as a Lua error, remembered for Cause.
func refuse(L *lua.LState, me *MemoryError) {
	raised.Store(L, me)
	L.RaiseError("%s", me.Error())
}

// mulSize returns a*b, or -1 when it overflows.
func mulSize(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > (1<<63-1)/b {
		return -1
	}
	return a * b
}

// argError raises Lua 5.1's error for a bad argument n of the library
// function fn.
func argError(L *lua.LState, n int, fn, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, fn, msg)
}

// checkNumberArg is luaL_checknumber for argument n of fn: a number, or a
// string that converts to one.
func checkNumberArg(L *lua.LState, n int, fn string) float64 {
	f, ok := numberArg(L, n)
	if !ok {
		argError(L, n, fn, "number expected, got "+typeName(L, n))
	}
	return f
}

// numberArg returns argument n as luaL_checknumber reads it: a number, or
// a string that converts to one; ok is false for anything else.
func numberArg(L *lua.LState, n int) (float64, bool) {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return parseNumber(string(v))
	}
	return 0, false
}

// parseNumber converts s as Lua 5.1's lua_tonumber does: a decimal or
// hexadecimal numeral with optional surrounding space.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		return float64(n), err == nil
	}
	if s == "" || strings.ContainsAny(s, "_xXpPnN") { // no Go-only forms, inf, nan
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil || errors.Is(err, strconv.ErrRange)
}
